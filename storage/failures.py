"""How a transfer's work can stop, shared by every layer of storage: the
secondary storage writer, the Swift object protocol and the runners raise
these, the transfer lifecycle decides what each means for the row."""
from cloudadmin.messages import CodedError


class TransferFailed(CodedError):
    """A permanent failure: retrying the same thing cannot help. The reason
    is a coded message (`cloudadmin.messages.coded`, stored as its code and
    shown in the reader's language) or plain text."""


class SourceChanged(TransferFailed):
    pass


class TransferStopped(Exception):
    """The row was cancelled or taken over by another task: stop quietly."""


class TransferStalled(TransferFailed):
    """No byte moved for TRANSFER_STALE_SECONDS while the heartbeat went on
    (a hung NFS read, a Swift that stopped answering): the lifecycle queues
    the row again with backoff, so the copy never stays running."""

    transient = True


class TransferWaits(TransferFailed):
    """Not now, but soon: the lifecycle queues the row again with backoff
    (e.g. another copy of the template is being written)."""

    transient = True
