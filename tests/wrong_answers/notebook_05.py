"""Notebook 05 (beyond 99.41%): wrong answers that each self-check must reject (exercise 1 so far; issue 27 goes on)."""

WRONG = {
    1: {
        "the second boundary too late (119 for 141 steps, not 94)": """
step_schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
    boundaries=[total_steps // 3, int(total_steps * 0.85)], values=[3e-3, 1e-3, 3e-4])
""",
        "boundaries in epochs, not steps": """
step_schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
    boundaries=[epochs // 3, 2 * epochs // 3], values=[3e-3, 1e-3, 3e-4])
""",
        "the rates in the wrong order": """
step_schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
    boundaries=[total_steps // 3, 2 * total_steps // 3], values=[3e-4, 1e-3, 3e-3])
""",
        "a boundary one step early": """
step_schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
    boundaries=[total_steps // 3 - 1, 2 * total_steps // 3], values=[3e-3, 1e-3, 3e-4])
""",
    },
}
