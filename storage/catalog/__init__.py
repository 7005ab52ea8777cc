"""What the catalog knows and shows: scans of the shares into Template rows, when zones are scanned, the compare verdicts, the dashboard and availability figures."""
