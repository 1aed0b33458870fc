#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus, Tools/Fuzz/Corpus/TARGET/, from the repository's own examples.

The payload seeds are the samples of Tools/samples/payloads.tsv (every decoder family, good and bad), the loader
seeds the shipped profiles and firmware specs with their id changed to the fuzz targets' `fuzz`. Run it again after
adding samples; it replaces the seeds it wrote and leaves findings added by hand (files named finding-*) alone.
"""
import hashlib
import pathlib
import re

root = pathlib.Path(__file__).resolve().parents[2]
corpus = root / "Tools/Fuzz/Corpus"
samples = root / "Tools/samples"


def family(channel):
    if channel.startswith("gatt/"):
        return "gatt"
    return {"senml+json": "senml-json", "senml+cbor": "senml-cbor", "hl7v2": "hl7", "frame": "frames"}[channel]


def write(target, data):
    folder = corpus / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ("seed-" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)


for folder in corpus.glob("*"):
    for old in folder.glob("seed-*"):
        old.unlink()

for line in (samples / "payloads.tsv").read_text().splitlines():
    if not line or line.startswith("#"):
        continue
    _, channel, _, _, payload = line.split("\t")
    data = (samples / payload[1:]).read_bytes() if payload.startswith("@") else bytes.fromhex(payload.replace(" ", ""))
    write(family(channel), data)
    if channel.startswith("gatt/") and len(data) > 1:
        write("gatt", data[:-1])  # the same frame cut short by a byte

# A bedside monitor's ORU^R01 as the simulator sends it (eight vitals, OBR-7 time, UCUM and MDC units), and SenML
# with a base name, base time, base unit, a string and a boolean value, and a sum.
write("hl7", "\r".join([
    "MSH|^~\\&|SIMGW^0123456789ABCDEF^EUI-64|HELSEBRO|||20261203073000+0000||ORU^R01^ORU_R01|C-1|P|2.6|||NE|AL",
    "PID|||P-1^^^SIM^PI~P-2^^^SIM^PI",
    "OBR|1|C-1^SIMGW|C-1^SIMGW|182777000^monitoring of patient^SCT|||20261203073000+0000",
    "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X",
    "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R",
    "OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|96|262688^MDC_DIM_PERCENT^MDC|||||R",
    "OBX|4|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.3.1.1|121|266016^MDC_DIM_MMHG^MDC|||||R|||20261203072955+0000",
    "OBX|5|NM|151562^MDC_RESP_RATE^MDC|1.4.1.1|14|/min^/min^UCUM|||||R",
    "OBX|6|NM|150364^MDC_TEMP_BODY^MDC|1.5.1.1|37.2|268192^MDC_DIM_DEGC^MDC|||||R",
    "OBX|7|ST|184326^MDC_ECG_STAT_RHY^MDC|1.1.1.2|Sinus \\T\\ rhythm||||||R",
]).encode())
write("senml-json", b'[{"bn":"urn:dev:ow:10e2073a01080063:","bt":1.7954202e9,"bu":"%","bver":10,"n":"spo2","v":97,"t":-5},'
      b'{"n":"note","vs":"ok"},{"n":"alarm","vb":false},{"n":"energy","s":1.5e-3,"u":"J"},{"n":"pulse","u":"beat/min","v":68}]')

for kind, target in (("DeviceProfiles", "profile"), ("Firmware-Specs", "firmware")):
    for path in sorted((root / kind).glob("*.yaml")):
        text = re.sub(r"(?m)^id:.*$", "id: fuzz", path.read_text())
        write(target, text.encode())

for target in sorted(p.name for p in corpus.iterdir()):
    print(target, len(list((corpus / target).iterdir())))
