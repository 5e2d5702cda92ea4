"""PAdES signatures (pyHanko) on final papers, with the issuing organisation's certificate.

The signature is one step between `render_pdf()` and storage: WeasyPrint's PDF/A-3u bytes stay
untouched as the first revision and pyHanko appends the signature as an incremental update
(PAdES baseline B-B, SHA-256, /SubFilter /ETSI.CAdES.detached). The stored file, its size and its
SHA-256 are those of the signed PDF; the unsigned rendering is a byte-for-byte prefix of it.

Where the keys are (`SIGNING_CERT_DIR`, default instance/certs/):

    org-<organisation id>.crt / .key   the organisation's certificate and private key (PEM)
    default.crt / default.key          used for organisations without their own
    ca.crt                             the chain sent along in the signature (optional)

An organisation without its own pair uses the nearest ancestor's, then the default one.
`SIGNING_KEY_PASSPHRASE` unlocks encrypted keys. When no certificate is found, a paper that
must be signed is refused if `SIGNING_REQUIRED` is on (the default in production) and issued
unsigned with a warning otherwise (development, tests).
`flask --app wsgi odr dev-certificate [--org ID]` makes a development CA and certificate.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)


class SigningUnavailable(RuntimeError):
    """A paper must be signed but no certificate is configured for its organisation."""


@dataclass(frozen=True)
class KeyPair:
    cert: Path
    key: Path
    chain: tuple[Path, ...]


def cert_dir() -> Path:
    configured = current_app.config.get("SIGNING_CERT_DIR") or os.environ.get("SIGNING_CERT_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "certs"


def signing_required() -> bool:
    configured = current_app.config.get("SIGNING_REQUIRED")
    if configured is None:
        configured = os.environ.get("SIGNING_REQUIRED")
    if configured is None:
        return current_app.config.get("ODR_ENV") == "production"
    if isinstance(configured, str):
        return configured.strip().lower() in ("1", "true", "yes", "on")
    return bool(configured)


def _passphrase() -> bytes | None:
    text = current_app.config.get("SIGNING_KEY_PASSPHRASE") or os.environ.get("SIGNING_KEY_PASSPHRASE")
    return text.encode() if text else None


def find_key_pair(organisation) -> KeyPair | None:
    """The certificate and key that sign for `organisation` (or its nearest ancestor)."""
    base = cert_dir()
    # The organisation's path lists its ancestors' ids from the root down: "/1/4/9/".
    path = getattr(organisation, "path", "") or ""
    names = [f"org-{part}" for part in reversed(path.strip("/").split("/")) if part.isdigit()]
    names.append("default")
    chain = tuple(p for p in (base / "ca.crt",) if p.is_file())
    for name in names:
        cert, key = base / f"{name}.crt", base / f"{name}.key"
        if cert.is_file() and key.is_file():
            return KeyPair(cert, key, chain)
    return None


def sign_pdf(pdf: bytes, organisation, *, reason: str, location: str = "") -> tuple[bytes, str | None]:
    """The PDF with a PAdES signature appended, and the signer's subject (None: left unsigned)."""
    pair = find_key_pair(organisation)
    if pair is None:
        if signing_required():
            raise SigningUnavailable(
                f"no signing certificate for organisation {getattr(organisation, 'id', None)} "
                f"in {cert_dir()}"
            )
        log.warning("no signing certificate in %s: issuing the paper unsigned", cert_dir())
        return pdf, None

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load(
        str(pair.key), str(pair.cert), ca_chain_files=[str(p) for p in pair.chain],
        key_passphrase=_passphrase(),
    )
    if signer is None:
        raise SigningUnavailable(f"could not load the signing key {pair.key}")
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    # A fixed reservation (certificate chain + ECDSA signature is about 2 KiB) saves the dummy
    # signing pass pyHanko otherwise makes to estimate it.
    out = signers.sign_pdf(writer, meta, signer=signer, bytes_reserved=8192)
    return out.getvalue(), signer.signing_cert.subject.human_friendly


# ---- development certificates -----------------------------------------------------------------

def _write(path: Path, data: bytes, *, secret: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600 if secret else 0o644)  # also when the file existed with other bits


def make_dev_certificates(directory: Path, *, org_id: int | None, org_name: str) -> tuple[Path, Path]:
    """A development CA (made once, kept) and a signing certificate for one organisation (or the
    default). Keys are written with mode 0600. Returns the certificate and key paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def pem_key(key) -> bytes:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    now = datetime.now(UTC) - timedelta(minutes=5)
    ca_cert_path, ca_key_path = directory / "ca.crt", directory / "ca.key"
    if ca_cert_path.is_file() and ca_key_path.is_file():
        ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "odr development"),
            x509.NameAttribute(NameOID.COMMON_NAME, "odr development CA (not for production)"),
        ])
        ca_cert = (
            x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
            .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        _write(ca_key_path, pem_key(ca_key), secret=True)
        _write(ca_cert_path, ca_cert.public_bytes(serialization.Encoding.PEM), secret=False)

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name[:64]),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "development only"),
        x509.NameAttribute(NameOID.COMMON_NAME, org_name[:64]),
    ])
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    name = f"org-{org_id}" if org_id is not None else "default"
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    _write(key_path, pem_key(key), secret=True)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), secret=False)
    return cert_path, key_path
