-- Gateway identities for POST /api/ingest/gateway (seed 001 gateways over HTTP).
--
-- A gateway may be named by its TLS client certificate: the lowercase hex SHA-256 of the
-- certificate's DER, as a TLS terminator reports it. Set at registration (device.register) or by
-- change request (device.set_certificate); one certificate names one device.
ALTER TABLE devices ADD COLUMN cert_fingerprint text CHECK (cert_fingerprint ~ '^[0-9a-f]{64}$');
ALTER TABLE devices ADD CONSTRAINT devices_cert_fingerprint_key UNIQUE (cert_fingerprint);

-- A service account holding telemetry.ingest sends readings for exactly one gateway, and only such
-- an account is bound to one (lib/service-accounts/change.ts also checks that the device is an
-- ECDSA gateway). telemetry.ingest is granted to no built-in role: it is for service accounts.
ALTER TABLE service_accounts ADD COLUMN gateway_id text;
ALTER TABLE service_accounts ADD CONSTRAINT service_accounts_gateway_id_fkey FOREIGN KEY (gateway_id) REFERENCES devices(id);
ALTER TABLE service_accounts ADD CONSTRAINT service_accounts_gateway_binding
  CHECK ((gateway_id IS NOT NULL) = (scopes @> ARRAY['telemetry.ingest']::text[]));

-- A person never holds it: no role may be granted telemetry.ingest (lib/rbac/permissions.ts).
ALTER TABLE role_permissions ADD CONSTRAINT role_permissions_not_service_only CHECK (permission <> 'telemetry.ingest');
