"""Cases, parties, evidence, the workflow state machine and its deadlines."""
