"""The checks of a run, each against a model, and the judge that assembles
their findings into one verdict (judge.py)."""
