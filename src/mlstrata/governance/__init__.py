"""Governed change: the review gate with per-finding acceptances bound to a plan, the protected-environment
policy, the change journal beside the state, history and rollback to an earlier spec revision."""
