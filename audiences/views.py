from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def profile_list(request):
    return render(request, "audiences/profile_list.html")
