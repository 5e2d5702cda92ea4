"""Satisfaction (群众评价): after a case is closed each party rates the process and the mediator;
a low rating alerts the organisation's supervisor; results roll up per mediator and organisation
in the statistics and scorecards (docs/statistics.md)."""
