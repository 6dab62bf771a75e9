"""Django admin of `audiences`: one module per part, imported here so the admin finds them."""

from . import audience_admin, profile_admin  # noqa: F401  (Audience; Profile, Identity, ImportJob)
