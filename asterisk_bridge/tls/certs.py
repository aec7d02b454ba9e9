"""Issue and check X.509 certificates with ``cryptography``: a private CA and server certificates.

Keys are ECDSA P-256: every client Voco targets (PJSIP, browsers, baresip) accepts them, and
they are made in milliseconds. Nothing here touches the disk; :mod:`store` does.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.tls.choices import SERVER_DAYS

CA_DAYS = 3650
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key, both PEM."""

    cert_pem: bytes
    key_pem: bytes


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Voco"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: x509.Name, issuer: x509.Name, public: object, days: int,
             now: datetime) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(public)  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=days)))


def create_ca(common_name: str, days: int = CA_DAYS) -> Issued:
    """A self-signed CA that may sign server certificates only (path length 0)."""
    key = _key()
    name = _name(common_name)
    now = datetime.now(UTC)
    cert = (_builder(name, name, key.public_key(), days, now)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return Issued(cert.public_bytes(serialization.Encoding.PEM), _pem_key(key))


def san_entries(hosts: list[str]) -> list[x509.GeneralName]:
    """Subject alternative names: IP addresses as such, everything else as DNS names."""
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def issue_server(ca: Issued, hosts: list[str], days: int = SERVER_DAYS) -> Issued:
    """A server certificate for *hosts* (names and addresses) signed by *ca*."""
    if not hosts:
        raise ValidationError("host: a certificate needs at least one name or address")
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem)
    ca_key = serialization.load_pem_private_key(ca.key_pem, password=None)
    key = _key()
    now = datetime.now(UTC)
    cert = (_builder(_name(hosts[0]), ca_cert.subject, key.public_key(), days, now)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(san_entries(hosts)), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_cert.public_key()), critical=False)  # type: ignore[arg-type]
            .sign(ca_key, hashes.SHA256()))  # type: ignore[arg-type]
    return Issued(cert.public_bytes(serialization.Encoding.PEM), _pem_key(key))


@dataclass(frozen=True)
class Summary:
    """What an admin needs to know about a certificate (nothing secret)."""

    subject: str
    names: list[str]
    issuer: str
    not_after: datetime
    sha256: str

    def days_left(self, now: datetime | None = None) -> float:
        """Days until expiry (negative once expired)."""
        return (self.not_after - (now or datetime.now(UTC))).total_seconds() / 86400


def summarise(cert_pem: bytes) -> Summary:
    """The first certificate of a PEM chain, summarised."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(n.value) for n in sans]
    except x509.ExtensionNotFound:
        names = []
    return Summary(cert.subject.rfc4514_string(), names, cert.issuer.rfc4514_string(),
                   cert.not_valid_after_utc, cert.fingerprint(hashes.SHA256()).hex())


def check_pair(cert_pem: bytes, key_pem: bytes) -> Summary:
    """Validate an admin's certificate chain and key: parseable, matching, not expired.

    The messages name the problem, never the key's content.
    """
    try:
        certs = x509.load_pem_x509_certificates(cert_pem)
    except ValueError:
        raise ValidationError("cert: not a PEM certificate (chain)") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise ValidationError("key: not an unencrypted PEM private key (decrypt it first: "
                              "'openssl pkey -in KEY -out PLAIN')") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValidationError("key: only RSA and ECDSA keys work with Asterisk")
    if key.public_key().public_numbers() != certs[0].public_key().public_numbers():  # type: ignore[union-attr]
        raise ValidationError("key: does not belong to the (first) certificate in cert")
    summary = summarise(cert_pem)
    if summary.days_left() <= 0:
        raise ValidationError(f"cert: expired on {summary.not_after:%Y-%m-%d}")
    return summary
