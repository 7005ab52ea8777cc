"""Running the zone wizard's step forms (zones/forms.py) for API commands:
the same validation (the other steps' values given as `steps`, no draft),
with errors named by the API's parameter names."""
from ..responses import CS_INVALID_PARAMETER_VALUE, PARAM_ERROR, ApiError

# Wizard form field -> CloudStack parameter.
PARAM_NAMES = {
    "network_type": "networktype", "internal_dns1": "internaldns1", "internal_dns2": "internaldns2",
    "network_domain": "domain", "guest_cidr": "guestcidraddress", "hypervisor": "cloudadminhypervisor",
    "confirm_no_swift": "cloudadminconfirmnoswift", "start_ip": "startip", "end_ip": "endip",
    "host_name": "url", "nfs_server": "url", "server": "url", "path": "url", "__all__": "request",
}


def validated(command: str, form, names=None) -> dict:
    """The form's cleaned data, or CloudStack's 431 naming every problem."""
    if form.is_valid():
        return form.cleaned_data
    names = {**PARAM_NAMES, **(names or {})}
    problems = "; ".join(f"{names.get(field, field)}: {message}"
                         for field, messages in form.errors.items() for message in messages)
    raise ApiError(PARAM_ERROR, f"Unable to execute API command {command.lower()} due to invalid value. {problems}",
                   CS_INVALID_PARAMETER_VALUE)


def invalid_value(command: str, param: str, value, why: str) -> ApiError:
    return ApiError(PARAM_ERROR, f"Unable to execute API command {command.lower()} due to invalid value. "
                                 f"Invalid parameter {param} value={value}: {why}",
                    CS_INVALID_PARAMETER_VALUE)


def not_found(command: str, param: str, value) -> ApiError:
    return invalid_value(command, param, value, "no such object")
