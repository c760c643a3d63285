"""The `source-fauna` command: spec, check, discover and read, as every Airbyte source."""

import sys
import traceback
from datetime import datetime, timezone
from typing import List, Optional

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteErrorTraceMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteTraceMessage,
    FailureType,
    Status,
    TraceType,
    Type,
)

from source_fauna import cdk_internals, process_tuning
from source_fauna.source import SourceFauna


def _source(args: List[str]) -> Optional[SourceFauna]:
    # The declarative source reads its config, catalog and state when it is built, so build it
    # from the command's files; a bad file is reported as an Airbyte error, not a traceback.
    catalog_path = AirbyteEntrypoint.extract_catalog(args)
    config_path = AirbyteEntrypoint.extract_config(args)
    state_path = AirbyteEntrypoint.extract_state(args)
    try:
        return SourceFauna(
            SourceFauna.read_catalog(catalog_path) if catalog_path else None,
            SourceFauna.read_config(config_path) if config_path else None,
            SourceFauna.read_state(state_path) if state_path else None,
            config_path=config_path,
        )
    except Exception as error:
        if args[:1] == ["check"]:
            # As the CDK answers check on a config error: a failed connection status, which the platform shows.
            message = AirbyteMessage(
                type=Type.CONNECTION_STATUS, connectionStatus=AirbyteConnectionStatus(status=Status.FAILED, message=str(error))
            )
        else:
            message = AirbyteMessage(
                type=Type.TRACE,
                trace=AirbyteTraceMessage(
                    type=TraceType.ERROR,
                    emitted_at=int(datetime.now(timezone.utc).timestamp() * 1000),
                    error=AirbyteErrorTraceMessage(
                        message=f"source-fauna could not start: {error}",
                        internal_message=repr(error),
                        stack_trace=traceback.format_exc(),
                        failure_type=FailureType.config_error,
                    ),
                ),
            )
        print(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode())
        return None


def run() -> None:
    process_tuning.share_one_malloc_arena()
    args = sys.argv[1:]
    source = _source(args)
    if source is None:
        sys.exit(0 if args[:1] == ["check"] else 1)
    process_tuning.tune_garbage_collector()
    cdk_internals.launch(source, args)


if __name__ == "__main__":
    run()
