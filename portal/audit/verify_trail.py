#!/usr/bin/env python3
"""Check an exported Yishi (议事) audit trail on your own computer.

    python3 verify_trail.py audit-dongshan.jsonl
    python3 verify_trail.py audit-dongshan.jsonl --head 128:3f5a...   (a code you wrote down)

Needs Python 3.8 or newer and nothing else: this one file, the standard library only. Download
the trail (JSON Lines, one record a line) from the audit page of the community, then run this.
It recomputes every record's code, sha256(previous code || record), from the first record on,
exactly as the portal does, and says whether the trail is intact up to its last record or where
it breaks. Exit status: 0 intact, 1 broken, 2 the file cannot be read.

检查从议事网站下载的审计记录（JSON Lines 文件）：逐条重新计算每条记录的校验码，
说明记录链是否完整，或者从第几条开始断开。只需要 Python 3，不需要安装别的东西。
"""
import hashlib
import json
import re
import sys

GENESIS = "0" * 64
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
FIELDS = {"seq", "prev_hash", "hash", "payload"}


def canonical_json(obj):
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def chain_hash(prev_hex, payload):
    return hashlib.sha256(bytes.fromhex(prev_hex) + payload.encode("utf-8")).hexdigest()


def _same(a, b):
    return type(a) is type(b) and a == b


def _payload_problem(payload, seq, community):
    """Why an exported payload cannot be this record of this community ('' if it can)."""
    if not isinstance(payload, str):
        return "payload is not a string", community
    try:
        body = json.loads(payload)
    except (ValueError, RecursionError):
        return "payload is not valid JSON", community
    if not isinstance(body, dict):
        return "payload is not a JSON object", community
    if canonical_json(body) != payload:
        return "payload is not in canonical form", community
    if not _same(body.get("seq"), seq):
        return "seq differs from payload", community
    if community is None:
        community = body.get("community")
    if not isinstance(community, int) or not _same(body.get("community"), community):
        return "payload names another community than the rest of the file", community
    return "", community


def verify(lines, expect_head=None):
    """(ok, count, head_seq, head_hash, broken_seq, reason) for an iterable of lines."""
    prev, expected, count, head_seq, community = GENESIS, 1, 0, 0, None
    hashes = {0: GENESIS}

    def broken(seq, reason):
        return False, count, head_seq, prev, seq, reason

    for number, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                return broken(expected, "line %d is not UTF-8" % number)
        if number == 1:
            raw = raw.lstrip("\ufeff")
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except (ValueError, RecursionError):
            return broken(expected, "line %d is not valid JSON" % number)
        if not isinstance(item, dict) or set(item) != FIELDS:
            return broken(expected, "line %d is not an exported event (seq, prev_hash, hash, payload)" % number)
        seq = item["seq"]
        if not _same(seq, expected):
            return broken(expected, "expected seq %d, found %r (missing, duplicated or reordered events)"
                          % (expected, seq))
        if item["prev_hash"] != prev:
            return broken(expected, "prev_hash does not match the previous event's hash")
        why, community = _payload_problem(item["payload"], seq, community)
        if why:
            return broken(expected, why)
        if chain_hash(prev, item["payload"]) != item["hash"]:
            return broken(expected, "hash does not match sha256(prev_hash || payload)")
        prev = item["hash"]
        count, head_seq = count + 1, seq
        hashes[seq] = prev
        expected += 1
    if count == 0:
        return broken(1, "the file holds no events")
    if expect_head is not None:
        seq, digest = expect_head
        if seq > head_seq:
            return broken(head_seq + 1, "the chain ends at seq %d, before the expected head seq %d "
                                        "(history cut short)" % (head_seq, seq))
        if hashes.get(seq) != digest:
            return broken(seq, "hash at the expected head differs from the one written down (history rewritten)")
    return True, count, head_seq, prev, None, ""


def parse_head(value):
    """'SEQ:HASH' as written down (spaces, a full-width colon and capitals allowed)."""
    value = "".join(value.split()).replace("\uff1a", ":").lower()
    seq, sep, digest = value.partition(":")
    if not sep or not seq.isdigit() or not _HEX64.match(digest):
        raise ValueError("a code looks like 128:3f5a... (the record number, a colon, 64 letters and digits)")
    return int(seq), digest


def main(argv):
    args = list(argv[1:])
    expect = None
    if "--head" in args:
        i = args.index("--head")
        try:
            expect = parse_head(args[i + 1])
        except (IndexError, ValueError) as e:
            print("error: %s" % e, file=sys.stderr)
            return 2
        del args[i:i + 2]
    if len(args) != 1:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        with open(args[0], "rb") as f:
            ok, count, head_seq, head_hash, broken_seq, reason = verify(f, expect)
    except OSError as e:
        print("error: cannot read %s: %s" % (args[0], e), file=sys.stderr)
        return 2
    if ok:
        print("intact: %d records, unbroken from no. 1 to no. %d" % (count, head_seq))
        print("完整：共 %d 条记录，从第 1 条到第 %d 条没有断开" % (count, head_seq))
        print("last record: %d:%s" % (head_seq, head_hash))
        return 0
    print("broken at record no. %d: %s" % (broken_seq, reason))
    print("从第 %d 条记录开始断开" % broken_seq)
    if count:
        print("intact up to no. %d: %d:%s" % (head_seq, head_seq, head_hash))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
