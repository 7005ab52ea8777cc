"""listConfigurations and updateConfiguration over Global Settings."""
from django.core.exceptions import ValidationError
from django.db.models import Q

from cloudadmin import config
from cloudadmin.models import GlobalSetting

from ..registry import Param, command, list_payload
from ..responses import CS_INVALID_PARAMETER_VALUE, PARAM_ERROR, ApiError
from ..serializers.system import CONFIGURATION


def configuration(row: GlobalSetting) -> dict:
    """CloudStack's ConfigurationResponse. `value` is the value in effect; a
    restart-required change waiting for the next start is our own field."""
    return CONFIGURATION.serialize(row)


@command("listConfigurations", Param("name"), Param("category"), is_list=True)
def list_configurations(user, name=None, category=None, keyword=None, **paging):
    """Lists the Global Settings."""
    config.seed_missing()
    rows = GlobalSetting.objects.filter(name__in=list(config.DEFINITIONS)).order_by("name")
    if name:
        rows = rows.filter(name__icontains=name)
    if category:
        rows = rows.filter(category__iexact=category)
    if keyword:
        rows = rows.filter(Q(name__icontains=keyword) | Q(description__icontains=keyword)
                           | Q(category__icontains=keyword))
    return list_payload("configuration", [configuration(row) for row in rows], paging)


@command("updateConfiguration", Param("name", required=True), Param("value", required=True, max_length=4096))
def update_configuration(user, name, value):
    """Changes a Global Setting; a restart-required one takes effect at the next start."""
    if name not in config.DEFINITIONS:
        raise ApiError(PARAM_ERROR, f"Config parameter with name {name} doesn't exist",
                       CS_INVALID_PARAMETER_VALUE)
    try:
        row = config.change(name, value, user=user)
    except ValidationError as exc:
        raise ApiError(PARAM_ERROR, exc.messages[0], CS_INVALID_PARAMETER_VALUE) from None
    return {"configuration": configuration(row)}
