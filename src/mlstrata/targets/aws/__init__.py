"""The AWS target: rendering (render.py), spec checks (checks.py), the GPU/image catalog (catalog.py) and
facts about AWS resource types (resources.py)."""
