"""getUploadParamsForTemplate: an upload from local for scripts written for
CloudStack. The answer's postURL takes a multipart POST of the file with
the X-signature, X-metadata and X-expires headers (storage.web.upload_views),
verified as the browser's uploads are (storage.catalog.uploads)."""
from django.urls import reverse

from storage.catalog import uploads
from storage.web.forms import TemplateUploadForm
from zones.models import Zone

from ..registry import BOOLEAN, ID, REQUEST_ORIGIN, Param, command
from ..responses import CS_INVALID_PARAMETER_VALUE, PARAM_ERROR, ApiError
from ..serializers.system import UPLOAD_PARAMS, UploadParams
from .forms import not_found, validated

COMMAND = "getUploadParamsForTemplate"


@command(COMMAND, Param("name", required=True), Param("displaytext"), Param("format", required=True),
         Param("hypervisor", required=True), Param("zoneid", ID, required=True), Param("ostypeid"),
         Param("checksum"), Param("ispublic", BOOLEAN), Param("isfeatured", BOOLEAN),
         Param("isextractable", BOOLEAN))
def get_upload_params_for_template(user, name, format, hypervisor, zoneid, displaytext="", ostypeid=None,
                                   checksum="", ispublic=False, isfeatured=False, isextractable=False):
    """Creates a template to upload by POST to postURL with the answer's metadata, expires and signature."""
    zone = Zone.objects.filter(pk=zoneid).first()
    if zone is None:
        raise not_found(COMMAND, "zoneid", zoneid)
    hypervisors = {value.lower(): value for value in Zone.Hypervisor.values}
    form = TemplateUploadForm({
        "name": name, "description": displaytext or name, "zone": zone.pk, "format": format.lower(),
        "hypervisor": hypervisors.get(hypervisor.lower(), hypervisor), "checksum": checksum or "",
        "public": ispublic, "featured": isfeatured, "extractable": isextractable})
    data = validated(COMMAND, form, {"description": "displaytext", "zone": "zoneid", "public": "ispublic"})
    try:
        upload = uploads.create(user=user, zone=zone, length=None, name=data["name"],
                                description=data["description"], format=data["format"],
                                hypervisor=data["hypervisor"], checksum=data["checksum"], public=data["public"],
                                featured=data["featured"], extractable=data["extractable"])
    except uploads.UploadRefused as refused:
        raise ApiError(PARAM_ERROR, f"Unable to execute API command {COMMAND.lower()}: {refused}",
                       CS_INVALID_PARAMETER_VALUE) from None
    post_url = REQUEST_ORIGIN.get() + reverse("storage:template_upload_post", args=[upload.uuid])
    return {"getuploadparams": UPLOAD_PARAMS.serialize(
        UploadParams(upload.transfer.template, post_url, uploads.post_params(upload, post_url)))}
