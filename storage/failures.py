"""How a transfer's work can stop, shared by every layer of storage: the
secondary storage writer, the Swift object protocol and the runners raise
these, the transfer lifecycle decides what each means for the row."""


class TransferFailed(Exception):
    """A permanent failure: retrying the same thing cannot help."""


class SourceChanged(TransferFailed):
    pass


class TransferStopped(Exception):
    """The row was cancelled or taken over by another task: stop quietly."""


class TransferWaits(TransferFailed):
    """Not now, but soon: the lifecycle queues the row again with backoff
    (e.g. another copy of the template is being written)."""

    transient = True
