from django.views.generic import TemplateView

from .models import SwiftStore


class SwiftStoreView(TemplateView):
    template_name = "storage/swift.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(store=SwiftStore.objects.first(), **kwargs)
