"""Where the emulator under test listens and which keys it accepts.

.ci/sdk-compat.sh starts the emulator binary and exports these variables; a test run without
them fails at import (it never skips).
"""

import os


def _required(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the suite through .ci/sdk-compat.sh")
    return value


#: `127.0.0.1:PORT`, the one endpoint every cloud's SDK is pointed at.
ADDR = _required("UNICLOUD_EMULATOR_ADDR")
#: `http://127.0.0.1:PORT`.
URL = f"http://{ADDR}"

AWS_ID = _required("SDK_COMPAT_AWS_ID")
AWS_SECRET = _required("SDK_COMPAT_AWS_SECRET")
TENCENT_ID = _required("SDK_COMPAT_TENCENT_ID")
TENCENT_SECRET = _required("SDK_COMPAT_TENCENT_SECRET")
ALIBABA_ID = _required("SDK_COMPAT_ALIBABA_ID")
ALIBABA_SECRET = _required("SDK_COMPAT_ALIBABA_SECRET")

#: The account every static key belongs to, per cloud (fixed by the emulator).
AWS_ACCOUNT = "123456789012"
TENCENT_ACCOUNT = "100000000001"
ALIBABA_ACCOUNT = "1234567890123456"
