from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def event_configuration_list(request):
    return render(request, "events/event_configuration_list.html")
