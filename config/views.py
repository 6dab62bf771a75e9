from django.shortcuts import redirect
from django.views.decorators.http import require_GET


@require_GET
def home(request):
    """The marketer's day starts at the journey list."""
    return redirect("journeys:list")
