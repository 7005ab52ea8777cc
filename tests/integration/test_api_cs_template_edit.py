"""Edit and Download through the unmodified `cs` client against a live
server, the local Swift and a real worker, with UUID ids only: listOsTypes,
updateTemplate, updateTemplatePermissions, then extractTemplate (its CLI
waits for the job) whose URL curl fetches from Swift."""
import subprocess

import pytest

from storage.models import Template, Transfer
from storage.secondary import properties
from tests.integration.test_api_cs_client import api, cs_cli  # noqa: F401 - the fixture
from tests.transfer_helpers import enable_zone, make_swift_store, make_zone, wait_transfer

pytestmark = pytest.mark.django_db(transaction=True)
FOLDER = "template/tmpl/1/1"


def test_edit_and_download_a_template_with_cs(api, local_swift, celery_worker, tmp_path):  # noqa: F811
    make_swift_store(local_swift)
    zone, root = make_zone()
    enable_zone(zone)
    assert wait_transfer(1, direction=Transfer.Direction.UP).state == Transfer.State.DONE
    uuid = str(Template.objects.get(pk=1).uuid)

    [ubuntu] = api.listOsTypes(keyword="Ubuntu 12.04")["ostype"]
    edited = api.updateTemplate(id=uuid, name="routing-ubuntu", displaytext="Routing on Ubuntu",
                                ostypeid=ubuntu["id"])["template"]
    assert (edited["name"], edited["ostypeid"], edited["ostypename"]) == (
        "routing-ubuntu", ubuntu["id"], "Ubuntu 12.04 (64-bit)")
    assert api.updateTemplatePermissions(id=uuid, isextractable="true")["success"] is True
    update = wait_transfer(1, direction=Transfer.Direction.PROPERTIES)
    assert update.state == Transfer.State.DONE, update.last_error
    values = properties.parse((root / FOLDER / properties.FILENAME).read_bytes())
    assert (values["uniquename"], values["description"]) == ("routing-ubuntu", "Routing on Ubuntu")

    code, extracted, stderr = cs_cli(api, "extractTemplate", f"id={uuid}", "mode=HTTP_DOWNLOAD")
    assert code == 0, stderr
    url = extracted["template"]["url"]
    assert url.startswith(f"http://127.0.0.1:{local_swift.proxy_port}/v1/AUTH_test/T-1/")
    saved = tmp_path / "image"
    status = subprocess.run(["curl", "-sS", "-o", str(saved), "-w", "%{http_code}", url], capture_output=True,
                            text=True, timeout=120, check=True).stdout
    assert status == "200" and saved.read_bytes() == (root / FOLDER / values["filename"]).read_bytes()
