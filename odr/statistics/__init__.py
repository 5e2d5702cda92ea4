"""Statistics and assessment (统计、考核): the dashboard at /statistics, the scorecards of
organisations and mediators, CSV and XLSX exports, all from GROUP BY queries (docs/statistics.md)."""
