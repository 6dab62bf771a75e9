from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def journey_list(request):
    return render(request, "journeys/journey_list.html")
