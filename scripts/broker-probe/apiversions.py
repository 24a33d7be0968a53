"""ApiVersions v0 over a raw socket: the APIs a broker advertises.

v0 is the one request every Kafka-protocol broker must answer the same way
(no flexible-version tagged fields), so this works even where a client's
own handshake fails (Debian's kcat against tansu, for example).
"""

from __future__ import annotations

import socket
import struct

API_NAMES = {
    0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 8: "OffsetCommit",
    9: "OffsetFetch", 10: "FindCoordinator", 11: "JoinGroup", 12: "Heartbeat",
    13: "LeaveGroup", 14: "SyncGroup", 15: "DescribeGroups", 16: "ListGroups",
    17: "SaslHandshake", 18: "ApiVersions", 19: "CreateTopics", 20: "DeleteTopics",
    21: "DeleteRecords", 22: "InitProducerId", 23: "OffsetForLeaderEpoch",
    24: "AddPartitionsToTxn", 25: "AddOffsetsToTxn", 26: "EndTxn", 27: "WriteTxnMarkers",
    28: "TxnOffsetCommit", 29: "DescribeAcls", 30: "CreateAcls", 31: "DeleteAcls",
    32: "DescribeConfigs", 33: "AlterConfigs", 36: "SaslAuthenticate",
    37: "CreatePartitions", 42: "DeleteGroups", 44: "IncrementalAlterConfigs",
    46: "ListPartitionReassignments", 47: "OffsetDelete", 50: "DescribeUserScramCredentials",
    51: "AlterUserScramCredentials", 60: "DescribeCluster", 68: "ConsumerGroupHeartbeat",
    69: "ConsumerGroupDescribe", 71: "GetTelemetrySubscriptions",
    75: "DescribeTopicPartitions",
}


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError(f"broker closed the connection after {len(data)}/{size} bytes")
        data += chunk
    return data


def api_versions(bootstrap: str, timeout: float = 5.0) -> dict[int, tuple[int, int]]:
    """Return {api_key: (min_version, max_version)} from an ApiVersions v0 request."""
    host, port = bootstrap.rsplit(":", 1)
    client_id = b"broker-probe"
    correlation_id = 18
    # Request header v1: api_key, api_version, correlation_id, client_id; empty body.
    request = struct.pack(">hhih", 18, 0, correlation_id, len(client_id)) + client_id
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(request)) + request)
        (size,) = struct.unpack(">i", _read_exactly(sock, 4))
        body = _read_exactly(sock, size)
    got_id, error_code, count = struct.unpack(">ihi", body[:10])
    if got_id != correlation_id or error_code != 0:
        raise RuntimeError(f"ApiVersions v0: correlation {got_id}, error code {error_code}")
    versions = {}
    for i in range(count):
        key, low, high = struct.unpack(">hhh", body[10 + 6 * i : 16 + 6 * i])
        versions[key] = (low, high)
    return versions
