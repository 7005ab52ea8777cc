"""updateTemplate and updateTemplatePermissions (Edit template's service,
storage.catalog.template_edit, with its form's rules), extractTemplate
(Download: storage.catalog.extract) and listOsTypes (CloudStack's guest
OS list)."""
from django.db.models import Q
from django.utils import timezone

from storage.catalog import extract, template_edit
from storage.models import GuestOsType, Template, TemplateLocation
from storage.swift import client as swift
from storage.web.forms import TemplateEditForm
from zones.models import Zone

from .. import jobs
from ..registry import BOOLEAN, CHOICE, ID, Param, command, list_payload
from ..responses import CS_INVALID_PARAMETER_VALUE, INTERNAL_ERROR, PARAM_ERROR, ApiError
from ..serializers.system import SUCCESS
from ..serializers.templates import EXTRACT, GUEST_OS, Extraction
from .forms import not_found, validated
from .templates import template_response

# Edit template's form field -> the API's parameter.
EDIT_PARAMS = {"name": "name", "description": "displaytext", "os_type": "ostypeid",
               "password_enabled": "passwordenabled", "public": "ispublic", "featured": "isfeatured",
               "extractable": "isextractable"}


def _template(command_name: str, pk) -> Template:
    template = Template.objects.select_related("os_type").filter(pk=pk, deleted__isnull=True).first()
    if template is None:
        raise not_found(command_name, "id", pk)
    return template


def _edit(command_name: str, user, template: Template, given: dict) -> None:
    """Apply the given parameters through Edit template's form and service."""
    values = template_edit.current_values(template)
    values.update({field: given[param] for field, param in EDIT_PARAMS.items() if given.get(param) is not None})
    data = {key: (value.pk if isinstance(value, GuestOsType) else value) for key, value in values.items()
            if value is not False}
    form = TemplateEditForm(data)
    cleaned = validated(command_name, form, names={field: param for field, param in EDIT_PARAMS.items()})
    template_edit.edit(template, cleaned, user=user)


@command("updateTemplate", Param("id", ID, required=True, model="storage.Template"), Param("name"),
         Param("displaytext", max_length=4000), Param("ostypeid", ID, model="storage.GuestOsType"),
         Param("passwordenabled", BOOLEAN))
def update_template(user, id, name=None, displaytext=None, ostypeid=None, passwordenabled=None):
    """Updates a template's name, display text, OS type or password enabled
    (template.properties of every copy follows through a transfer)."""
    template = _template("updateTemplate", id)
    os_type = None
    if ostypeid is not None:
        os_type = GuestOsType.objects.filter(pk=ostypeid).first()
        if os_type is None:
            raise not_found("updateTemplate", "ostypeid", ostypeid)
    _edit("updateTemplate", user, template, {"name": name, "displaytext": displaytext, "ostypeid": os_type,
                                             "passwordenabled": passwordenabled})
    template = _template("updateTemplate", id)
    location = template.locations.select_related("zone").order_by("zone__name").first()
    return {"template": template_response(template, location)}


@command("updateTemplatePermissions", Param("id", ID, required=True, model="storage.Template"),
         Param("ispublic", BOOLEAN), Param("isfeatured", BOOLEAN), Param("isextractable", BOOLEAN))
def update_template_permissions(user, id, ispublic=None, isfeatured=None, isextractable=None):
    """Updates a template's public, featured and extractable flags."""
    template = _template("updateTemplatePermissions", id)
    _edit("updateTemplatePermissions", user, template,
          {"ispublic": ispublic, "isfeatured": isfeatured, "isextractable": isextractable})
    return SUCCESS.serialize(template)


@command("extractTemplate", Param("id", ID, required=True, model="storage.Template"),
         Param("mode", CHOICE, required=True, choices=("HTTP_DOWNLOAD", "FTP_UPLOAD")), Param("zoneid", ID),
         Param("url", max_length=2048), is_async=True)
def extract_template(user, id, mode, zoneid=None, url=None):
    """Answers (async) a time-limited link to the template's image: a Swift
    TempURL, or a link through this app where Swift has no tempurl."""
    template = _template("extractTemplate", id)
    if mode != "HTTP_DOWNLOAD":
        raise ApiError(PARAM_ERROR, "Only mode HTTP_DOWNLOAD is supported: the link is served by Swift.",
                       CS_INVALID_PARAMETER_VALUE)
    zone = None
    if zoneid is not None:
        zone = Zone.objects.filter(pk=zoneid).first()
        if zone is None:
            raise not_found("extractTemplate", "zoneid", zoneid)
    try:
        link = extract.extract(template, user=user)
    except extract.ExtractRefused as refused:
        raise ApiError(PARAM_ERROR, str(refused), CS_INVALID_PARAMETER_VALUE) from None
    except swift.SwiftError as error:
        raise ApiError(INTERNAL_ERROR, error.message) from None
    job = jobs.start(user, "extractTemplate", {"template": template.pk}, instance_type="Template",
                     instance_id=template.uuid, enqueue=False)
    jobs.finish(job, {"template": EXTRACT.serialize(Extraction(template, link.url, timezone.now(), zone))})
    return job


@command("listOsTypes", Param("id", ID, model="storage.GuestOsType"), Param("oscategoryid"),
         Param("description"), is_list=True)
def list_os_types(user, id=None, oscategoryid=None, description=None, keyword=None, **paging):
    """Lists CloudStack's guest OS types."""
    os_types = GuestOsType.objects.order_by("category", "name")
    if id is not None:
        os_types = os_types.filter(pk=id)
    if oscategoryid:
        wanted = oscategoryid.strip().lower()
        categories = {os.category for os in GuestOsType.objects.all()
                      if GUEST_OS.serialize(os)["oscategoryid"] == wanted}
        os_types = os_types.filter(category__in=categories)
    if description:
        os_types = os_types.filter(name__iexact=description)
    if keyword:
        os_types = os_types.filter(Q(name__icontains=keyword) | Q(category__icontains=keyword))
    return list_payload("ostype", os_types, paging, describe=GUEST_OS.serialize)
