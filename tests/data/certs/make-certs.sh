#!/bin/sh
# Regenerates the test certificates (see README.md). Needs openssl and
# certtool (gnutls-bin).
set -eu
cd "$(dirname "$0")"
days=36500

openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days $days \
  -subj "/CN=xmpp-glib test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

server () {
  name=$1; san=$2; shift 2
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$san"
  printf 'subjectAltName=DNS:%s,otherName:1.3.6.1.5.5.7.8.5;UTF8:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san" "$san" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$name.pem" \
    -extfile "$name.ext" "$@"
  rm -f "$name.csr" "$name.ext"
}

server localhost localhost -days $days
server other other.example -days $days
# Expired: valid for one day in 2000 (GnuTLS certtool can set the dates).
openssl genrsa -out expired.key 2048 2>/dev/null
cat > expired.tmpl <<TMPL
cn = "localhost"
dns_name = "localhost"
activation_date = "2000-01-01 00:00:00 UTC"
expiration_date = "2000-01-02 00:00:00 UTC"
tls_www_server
TMPL
certtool --generate-certificate --load-privkey expired.key --load-ca-certificate ca.pem \
  --load-ca-privkey ca.key --template expired.tmpl --outfile expired.pem
rm -f expired.tmpl

openssl req -x509 -newkey rsa:2048 -nodes -keyout self-signed.key -out self-signed.pem -days $days \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost"

rm -f ca.srl
