# Japanese dates with seconds, e.g. 2026年11月25日 14:05:09.
DATETIME_FORMAT = "Y年n月j日 H:i:s"
DATE_FORMAT = "Y年n月j日"
