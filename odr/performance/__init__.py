"""Performance of the agreement and follow-up (履行跟踪、回访): the terms with due dates tracked as
obligations, reminders, missed terms flagged, the follow-up visit (docs/performance.md)."""
