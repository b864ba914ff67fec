"""The AWS target: rendering (render.py), spec checks (checks.py), the GPU/image catalog (catalog.py) and
the state and journal naming (state.py, journal.py); facts about resource types shared by all targets are in
targets/resources.py."""
