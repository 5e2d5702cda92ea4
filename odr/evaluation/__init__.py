"""Evaluation (在线评估): evidence checklists, the limitation check, claim calculators, outcomes
of similar closed cases, and the versioned evaluation report (docs/evaluation.md)."""
