# Dates as the audit log and the Swift page always showed them (ISO, seconds).
DATETIME_FORMAT = "Y-m-d H:i:s"
DATE_FORMAT = "Y-m-d"
