"""The source refuses a config the spec rejects before the CDK builds from it."""

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_fauna.source import SourceFauna

CONFIG = {"domain": "localhost", "port": 8443, "secret": "s3cr3t"}


@pytest.mark.parametrize("setting", ["max_parallel_streams", "partitions_per_collection"])
def test_a_config_outside_the_spec_is_refused_naming_the_setting_before_the_source_is_built(setting):
    with pytest.raises(AirbyteTracedException) as raised:
        SourceFauna(config={**CONFIG, setting: 0})
    assert raised.value.message == f"`{setting}` is not valid: 0 is less than the minimum of 1."
    assert raised.value.failure_type.value == "config_error"
