"""Personal data: what the service holds about a person (JSON and PDF), and anonymising a
party's particulars in closed cases after the retention period (issue 9 item 5)."""
