"""Splitting one model across compute units: layer cuts between devices (cut.py, plan.py,
split.py), frames for the tensors that cross (frame.py, runtime te_frame.c), the cost model
(cost.py, measure.py), and the chain runner (chain.py)."""
