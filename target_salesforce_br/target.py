"""target-salesforce-br: voter records into Salesforce Contacts and BR Topics.

This module contains the settings schema, the start-of-run checks and the run
summary. Talking to Salesforce is the client's job; shaping batches is the
sink's and the writer's.
"""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th
from singer_sdk.target_base import Target
from typing_extensions import override

from target_salesforce_br.batch import PendingRecords, write_records
from target_salesforce_br.client import Credentials, SalesforceClient
from target_salesforce_br.org import check_contact_fields, ensure_topics
from target_salesforce_br.privacy import install_log_redaction
from target_salesforce_br.reader import PrivateSingerReader
from target_salesforce_br.report import RejectsFile, RunSummary
from target_salesforce_br.settings import (
    DEFAULT_API_VERSION,
    DEFAULT_BATCH_SIZE_ROWS,
    DEFAULT_LAST_NAME,
    DEFAULT_REQUEST_TIMEOUT,
    DuplicatePolicy,
    LoadMethod,
    parse_settings,
)
from target_salesforce_br.sinks import VoterSink
from target_salesforce_br.writer import ContactWriter

if t.TYPE_CHECKING:
    from pathlib import PurePath
    from types import FrameType


class TargetSalesforceBR(Target):
    """Singer target that writes voters to Salesforce Contacts and Topics."""

    name = "target-salesforce-br"
    default_sink_class = VoterSink
    message_reader_class = PrivateSingerReader

    config_jsonschema = th.PropertiesList(
        th.Property(
            "client_id",
            th.StringType,
            title="Client ID",
            description=(
                "Consumer key of the connected or external client app, for the "
                "OAuth 2.0 client credentials flow (recommended for new setups). "
                "Set with client_secret and domain."
            ),
        ),
        th.Property(
            "client_secret",
            th.StringType,
            secret=True,
            title="Client Secret",
            description="Consumer secret of the app, for the client credentials flow.",
        ),
        th.Property(
            "username",
            th.StringType,
            title="Username",
            description=(
                "Integration user's username, for the password flow (SOAP "
                "login(), retired by Salesforce in Summer '27). Set with password "
                "and security_token."
            ),
        ),
        th.Property(
            "password",
            th.StringType,
            secret=True,
            title="Password",
            description="Integration user's password, for the password flow.",
        ),
        th.Property(
            "security_token",
            th.StringType,
            secret=True,
            title="Security Token",
            description=(
                "Integration user's security token, for the password flow. A "
                "password change resets it. Leave empty only when the org trusts "
                "the caller's IP range."
            ),
        ),
        th.Property(
            "domain",
            th.StringType,
            default="login",
            title="Domain",
            description=(
                "Login domain: 'login' for production, 'test' for a sandbox, or "
                "the org's My Domain without '.salesforce.com', such as 'acme.my'. "
                "The client credentials flow needs the My Domain."
            ),
        ),
        th.Property(
            "login_url",
            th.StringType,
            title="Login URL",
            description=(
                "Full https:// base URL of the login host, used in place of the "
                "one built from domain, for orgs whose login host does not end in "
                ".salesforce.com (for example https://acme.my.salesforce-setup.com)."
            ),
        ),
        th.Property(
            "api_version",
            th.StringType,
            default=DEFAULT_API_VERSION,
            title="API Version",
            description=(
                "Salesforce REST API version, such as 62.0. The password flow "
                "logs in at 64.0 or lower, because login() is absent from 65.0."
            ),
        ),
        th.Property(
            "utm_campaign_field",
            th.StringType,
            title="UTM Campaign Field",
            description=(
                "API name of the Contact Text field that receives utm_campaign, "
                "such as BR_UTM_Campaign__c. Unset: utm_campaign is not written. "
                "Checked at start; longer values are cut to the field's length."
            ),
        ),
        th.Property(
            "field_mapping",
            th.ObjectType(additional_properties=th.StringType),
            default={},
            title="Field Mapping",
            description=(
                "Extra record field to Contact field API name pairs, such as "
                '{"birthdate": "Birthdate"}. Each Contact field must exist and '
                "be writable."
            ),
        ),
        th.Property(
            "duplicate_contacts",
            th.StringType,
            default=DuplicatePolicy.OLDEST.value,
            allowed_values=[p.value for p in DuplicatePolicy],
            title="Duplicate Contacts",
            description=(
                "What to do when several Contacts share a record's email: "
                "'oldest' or 'most_recent' (by CreatedDate) updates one, 'all' "
                "updates each, 'skip' rejects the record."
            ),
        ),
        th.Property(
            "default_last_name",
            th.StringType,
            default=DEFAULT_LAST_NAME,
            title="Default Last Name",
            description=(
                "LastName for a new Contact whose record has no last_name; "
                "Salesforce requires one on create."
            ),
        ),
        th.Property(
            "rejects_path",
            th.StringType,
            title="Rejects Path",
            description=(
                "File that receives each rejected record whole, as JSON lines "
                "with the error code and message, readable by its owner only."
            ),
        ),
        th.Property(
            "allow_save_on_duplicate_alert",
            th.BooleanType,
            default=False,
            title="Allow Save on Duplicate Alert",
            description=(
                "Send Sforce-Duplicate-Rule-Header allowSave=true, so that "
                "duplicate rules set to Alert do not reject writes. Rules set to "
                "Block still reject."
            ),
        ),
        th.Property(
            "request_timeout",
            th.NumberType,
            default=DEFAULT_REQUEST_TIMEOUT,
            title="Request Timeout",
            description="Seconds to wait for each Salesforce response; above 0.",
        ),
        # The SDK adds the next three settings to every target with wording
        # about tables; these describe what they mean for Contacts.
        th.Property(
            "add_record_metadata",
            th.BooleanType,
            title="Add Record Metadata",
            description=(
                "Accepted for compatibility with other Singer targets; it has no "
                "effect. The target always reads _sdc_deleted_at, to skip rows "
                "deleted at the source, and never writes Singer metadata to "
                "Salesforce."
            ),
        ),
        th.Property(
            "load_method",
            th.StringType,
            default=LoadMethod.APPEND_ONLY.value,
            allowed_values=[m.value for m in LoadMethod],
            title="Load Method",
            description=(
                "Accepted for compatibility with other Singer targets; both "
                "values behave the same. Contacts are always matched on email, "
                "then created or updated, and never deleted."
            ),
        ),
        th.Property(
            "batch_size_rows",
            th.IntegerType,
            default=DEFAULT_BATCH_SIZE_ROWS,
            title="Batch Size Rows",
            description=(
                "Records per batch. Records that share an email are merged "
                "within a batch, so a larger batch can save API calls; it also "
                "holds more records in memory."
            ),
        ),
    ).to_dict()

    def __init__(
        self,
        *,
        config: dict | PurePath | str | list[PurePath | str] | None = None,
        parse_env_config: bool = False,
        validate_config: bool = True,
        setup_mapper: bool = True,
    ) -> None:
        """Validate the settings; Salesforce is called when the first stream starts."""
        # Installed first, because the SDK validates the config in __init__.
        install_log_redaction(self.logger, SECRET_SETTINGS)
        super().__init__(
            config=config,
            parse_env_config=parse_env_config,
            validate_config=validate_config,
            setup_mapper=setup_mapper,
        )
        if isinstance(self.message_reader, PrivateSingerReader):
            self.message_reader.on_stop = self._stop_report
        self.settings = parse_settings(self.config)
        self.summary = RunSummary()
        self.rejects = RejectsFile(self.settings.rejects_path)
        self.pending = PendingRecords()
        self._client: SalesforceClient | None = None
        self._writer: ContactWriter | None = None
        self._summary_logged = False
        # Flags that _handle_termination reads. _unsafe_to_drain is True from
        # the moment records leave the buffer until they are written, and
        # stays True after a failed write, because from then on no STATE may
        # be emitted. _stopping is True once a signal is being handled, and
        # _emitting_state while a STATE line is being written.
        self._unsafe_to_drain = False
        self._stopping = False
        self._emitting_state = False
        self._exit_after_state = False
        # All streams write the same Contacts, so sinks drain one at a time.
        self.max_parallelism = 1

    @property
    def writer(self) -> ContactWriter:
        """The Contact writer, created by the start-of-run checks."""
        return self.prepare()

    def _prepare(self) -> ContactWriter:
        """Log in, check the Contact fields and make sure the Topics exist."""
        s = self.settings
        self._client = SalesforceClient(
            Credentials(
                flow=s.flow,
                domain=s.domain,
                login_url=s.login_url,
                api_version=s.api_version,
                client_id=s.client_id,
                client_secret=s.client_secret,
                username=s.username,
                password=s.password,
                security_token=s.security_token,
            ),
            timeout=s.request_timeout,
        )
        self._client.login()
        contact_fields = check_contact_fields(self._client, s)
        topic_ids, created = ensure_topics(self._client)
        self.summary.topics_created += created
        return ContactWriter(
            client=self._client,
            settings=s,
            contact_fields=contact_fields,
            topic_ids=topic_ids,
            summary=self.summary,
            rejects=self.rejects,
        )

    def prepare(self) -> ContactWriter:
        """Run the start-of-run checks once and return the Contact writer.

        Sinks call this when their stream starts, so a broken login or field
        setup stops even a run whose records carry no email.
        """
        if self._writer is None:
            self._writer = self._prepare()
        return self._writer

    def write_pending(self) -> None:
        """Write the records of every stream held since the last write."""
        # Set before the records leave the buffer, so that a signal from
        # here on never leads to STATE for them.
        self._unsafe_to_drain = True
        records = self.pending.take()
        if not records:
            self._unsafe_to_drain = False
            return
        # A failure propagates with the flag still set, so no STATE follows.
        result = write_records(
            records,
            writer=self.writer,
            field_mapping=self.settings.field_mapping,
            summary=self.summary,
            rejects=self.rejects,
        )
        self._unsafe_to_drain = False
        self.logger.info(
            "Processed a batch of %d records: %d voters, %d without email, "
            "%d set aside before writing",
            len(records),
            len(result.voters),
            result.without_email,
            len(result.rejected),
        )

    @override
    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """Stop on SIGTERM or SIGINT without emitting STATE ahead of the writes.

        Between writes, the held records are written, STATE is emitted and
        the run exits with 0; if that write fails, the error is logged and
        the exit code is 1. During a write, or after one failed, the batch's
        records are no longer in the buffer, so draining again would emit
        STATE for records not yet in Salesforce. The run stops at once
        instead, with no further STATE and exit code 128 + the signal number.
        Records already sent are found by the next run's lookups, so it
        creates no duplicates. A signal that arrives while a STATE line is
        being written takes effect once the line is complete.

        The SDK's own handler is not used, because it exits with 0 even when
        its drain fails.
        """
        if self._emitting_state:
            self._exit_after_state = True
            return
        if self._unsafe_to_drain or self.rejects.busy:
            self._stopping = True
            self.logger.warning(
                "Received signal %d during a write; stopping without STATE for "
                "records since the last STATE, which the next run writes again "
                "without duplicates",
                signum,
            )
            self._stop_report()
            raise SystemExit(128 + signum)
        if self._stopping:
            # The first signal's drain is under way and will exit.
            return

        self._stopping = True
        self.logger.info(
            "Received signal %d; writing the held records before stopping", signum
        )
        try:
            self.drain_all(is_endofpipe=True)
        except Exception:
            self.logger.exception("Writing the held records failed")
            self._stop_report()
            raise SystemExit(1) from None
        self._stop_report()
        raise SystemExit(0)

    @override
    def _write_state_message(self, state: dict) -> None:
        """Write a STATE line whole, even when a signal arrives meanwhile."""
        if self._unsafe_to_drain:
            # A failed write came first; no STATE may follow it.
            return
        self._emitting_state = True
        try:
            super()._write_state_message(state)
        finally:
            self._emitting_state = False
        if self._exit_after_state:
            self._stop_report()
            raise SystemExit(0)

    @override
    def process_endofpipe(self) -> None:
        """Drain every sink, then log the run summary and close the rejects file.

        A failure while reading input is reported by the reader's ``on_stop``;
        one from here on is reported here.
        """
        try:
            # Input without a SCHEMA message still checks the login and setup.
            self.prepare()
            super().process_endofpipe()
        except BaseException:
            self._stop_report()
            raise
        self.rejects.close()
        self.log_summary()

    @property
    def api_calls(self) -> int:
        """REST calls this run made that count toward the org's daily limit."""
        return self._client.calls_total if self._client else 0

    def _stop_report(self) -> None:
        """Log the summary so far and close the rejects file on an early stop."""
        self.log_summary(stopped=True)
        self.rejects.close()

    def log_summary(self, *, stopped: bool = False) -> None:
        """Log the run summary once; a failed run logs how far it got."""
        if self._summary_logged:
            return
        self._summary_logged = True
        client = self._client
        usage = (
            (client.usage.used, client.usage.limit) if client and client.usage else None
        )
        self.logger.info(
            "%s: %s",
            "Run stopped, summary so far" if stopped else "Run summary",
            self.summary.line(self.api_calls, usage),
        )


SECRET_SETTINGS = tuple(
    name
    for name, schema in TargetSalesforceBR.config_jsonschema["properties"].items()
    if schema.get("secret")
)


if __name__ == "__main__":
    TargetSalesforceBR.cli()
