#!/usr/bin/env bash
# Device identity by mutual TLS (issue 8): makes, in DIR, a test CA, a broker certificate for 127.0.0.1/localhost,
# one client certificate per DEVICE (common name = device id) and one for Helsebro (CN "helsebro"), and a mosquitto
# configuration for a TLS listener on PORT that requires a client certificate signed by the CA, takes the
# certificate's common name as the user name, and an ACL under which each device may only write below its own
# topic and only Helsebro may read device topics (and write alerts).
# Usage: Tools/device-pki.sh DIR PORT DEVICE...
#   then: mosquitto -c DIR/mosquitto.conf
#         helsebro serve --broker mqtts://127.0.0.1:PORT --tls-ca DIR/ca.crt --tls-cert DIR/helsebro.crt \
#             --tls-key DIR/helsebro.key
#         mosquitto_pub -p PORT --cafile DIR/ca.crt --cert DIR/DEVICE.crt --key DIR/DEVICE.key \
#             -t helsebro/v1/devices/DEVICE/gatt/2a35 ...
# Test keys only: a real deployment keeps the CA key offline and gives each device its key at manufacture.
set -euo pipefail
dir=$1
port=$2
shift 2
mkdir -p "$dir"
cd "$dir"
days=30
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days $days \
    -subj "/O=Helsebro test/CN=Helsebro test device CA" 2> /dev/null
issue() { # NAME CN [EXTENSIONS]
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.csr" \
        -subj "/O=Helsebro test/CN=$2" 2> /dev/null
    if [[ -n "${3:-}" ]]; then
        openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days $days \
            -extfile <(printf '%s\n' "$3") 2> /dev/null
    else
        openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days $days 2> /dev/null
    fi
    rm "$1.csr"
}
issue server localhost "subjectAltName=IP:127.0.0.1,DNS:localhost"
issue helsebro helsebro
for device in "$@"; do issue "$device" "$device"; done
chmod 600 ./*.key
cat > acl <<EOF
# Helsebro reads every device's messages and publishes alerts.
user helsebro
topic read helsebro/v1/devices/#
topic write helsebro/v1/alerts/#

# A device (user name = its certificate's common name) writes only below its own topic and reads nothing.
pattern write helsebro/v1/devices/%u/#
EOF
cat > mosquitto.conf <<EOF
per_listener_settings false
listener $port 127.0.0.1
cafile $PWD/ca.crt
certfile $PWD/server.crt
keyfile $PWD/server.key
tls_version tlsv1.2
require_certificate true
use_identity_as_username true
allow_anonymous false
acl_file $PWD/acl
user $(id -un)
persistence true
persistence_location $PWD/
autosave_interval 1
max_queued_messages 0
persistent_client_expiration 14d
log_dest file $PWD/mosquitto.log
log_type error
log_type warning
log_type notice
EOF
echo "test CA, broker, helsebro and $# device certificates, mosquitto.conf and acl written to $PWD"
