"""Supervision (事事有回音、件件有落实): clocks per state, reminders and escalations, the supervisors'
board and their instructions (督办). docs/supervision.md."""
