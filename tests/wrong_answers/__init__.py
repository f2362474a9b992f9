"""Wrong answers to the notebooks' exercises, as students really write them: each must fail its self-check.

One file per notebook (notebook_NN.py), each holding WRONG = {exercise number: {the mistake: the answer cell}}. Each
answer replaces the whole solution cell; tests/nbval_wrong.py runs it under `pytest --nbval`, in the smoke profile,
followed by the teacher's self-check, which must fail.
"""
