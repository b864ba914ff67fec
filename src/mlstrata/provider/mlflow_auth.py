"""The MLflow auth hook of mlstrata's registries: who may create a registered model.

MLflow's basic-auth lets every authenticated user create a registered model and then grants the creator
MANAGE on it, so a reader (`model-serving`) could create models and manage them. Its permissions cannot
say "no creating" per user, but its configuration names the function that authenticates each request
(`authorization_function` in `basic_auth.ini`, called before MLflow's own permission checks). The
registries mlstrata writes name `authenticate_request` below: MLflow's basic-auth, then one more rule:

    a registered model (or prompt) is created only by an admin, or by a user who may write to some model of
    this registry (an EDIT or MANAGE grant: a stage's promoters); anyone else gets 403.

This runs inside the MLflow server (imported by name from the ini), never in the provider; it imports
MLflow lazily and only what the server has already loaded.
"""

from __future__ import annotations

from typing import Any

WRITE_PERMISSIONS = frozenset({"EDIT", "MANAGE"})
CREATE_PATH_SUFFIX = "/mlflow/registered-models/create"
HOOK = "mlstrata.provider.mlflow_auth:authenticate_request"


def creates_registered_model(path: str, method: str) -> bool:
    """Whether a request creates a registered model or prompt (REST API and the UI's ajax API)."""
    return method.upper() == "POST" and path.rstrip("/").endswith(CREATE_PATH_SUFFIX)


def may_create_models(is_admin: bool, permissions: list[str]) -> bool:
    """The rule: admins, and users who may write to at least one model of the registry."""
    return is_admin or any(p in WRITE_PERMISSIONS for p in permissions)


def authenticate_request() -> Any:
    """MLflow's `authorization_function`: basic-auth, and 403 for a create by a user who only reads."""
    from flask import request
    from mlflow.server import auth

    result = auth.authenticate_request_basic_auth()
    if not creates_registered_model(request.path, request.method) or not hasattr(result, "username"):
        return result
    username = str(result.username)
    user = auth.store.get_user(username)
    permissions = [str(p.permission) for p in auth.store.list_registered_model_permissions(username)]
    if may_create_models(bool(user.is_admin), permissions):
        return result
    response = auth.make_forbidden_response()
    response.set_data(f"Permission denied: {username} may not create registered models in this registry "
                      "(only its admin and the stage's promoters may; models are declared in platform.yaml)")
    return response
