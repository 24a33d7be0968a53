//! Transaction markers written by hand, for scenarios on the embedded
//! cluster. The mock cluster's EndTxn writes no markers, but its Produce
//! stores any well-formed record batch as it comes, so a control batch sent
//! here lands in the log as the marker a transaction coordinator writes on
//! a real broker: a batch with the control and transactional attributes
//! holding one record whose key is (version 0, type 1 = commit). A real
//! broker refuses control batches from clients; use this on the embedded
//! cluster only.
//!
//! The request is Produce v3 (the first version carrying record batches),
//! written with std's blocking TCP, one request per connection.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::Failure;

/// Produce's API key.
const PRODUCE: i16 = 0;
/// The Produce version sent.
const PRODUCE_VERSION: i16 = 3;
/// Record batch attributes: transactional (bit 4) and control (bit 5).
const CONTROL_TRANSACTIONAL: i16 = 0x30;
/// NOT_LEADER_OR_FOLLOWER: try the next broker.
const NOT_LEADER: i16 = 6;
/// UNKNOWN_TOPIC_OR_PARTITION, which a broker that does not lead the
/// partition may answer too.
const UNKNOWN_PARTITION: i16 = 3;

/// Appends a commit marker to `partition` of `topic`, asking each of the
/// `bootstrap` brokers (comma-separated `host:port`) in turn until its
/// leader takes it. Returns the marker's offset.
pub fn append_commit_marker(bootstrap: &str, topic: &str, partition: i32) -> Result<i64, Failure> {
    let request = produce_request(topic, partition, &commit_marker_batch()?);
    let mut answers = Vec::new();
    for broker in bootstrap.split(',').map(str::trim) {
        let (error, offset) = send(broker, &request)?;
        match error {
            0 => return Ok(offset),
            NOT_LEADER | UNKNOWN_PARTITION => answers.push(format!("{broker}: error {error}")),
            other => {
                return Err(format!(
                    "{broker} refused the marker for {topic}/{partition}: error {other}"
                )
                .into())
            }
        }
    }
    Err(format!(
        "no broker leads {topic}/{partition}: {}",
        answers.join(", ")
    )
    .into())
}

/// A record batch (magic 2) holding one commit marker.
fn commit_marker_batch() -> Result<Vec<u8>, Failure> {
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis())?;
    // The control record: key (version, type), value (version, epoch).
    let key = [0u8, 0, 0, 1];
    let value = [0u8, 0, 0, 0, 0, 0];
    let mut record = Vec::new();
    record.push(0); // attributes
    put_varint(&mut record, 0); // timestamp delta
    put_varint(&mut record, 0); // offset delta
    put_varint(&mut record, key.len() as i64);
    record.extend_from_slice(&key);
    put_varint(&mut record, value.len() as i64);
    record.extend_from_slice(&value);
    put_varint(&mut record, 0); // headers
    let mut records = Vec::new();
    put_varint(&mut records, record.len() as i64);
    records.extend_from_slice(&record);

    // What the CRC covers: from the attributes to the end.
    let mut covered = Vec::new();
    covered.extend_from_slice(&CONTROL_TRANSACTIONAL.to_be_bytes());
    covered.extend_from_slice(&0i32.to_be_bytes()); // last offset delta
    covered.extend_from_slice(&now.to_be_bytes()); // base timestamp
    covered.extend_from_slice(&now.to_be_bytes()); // max timestamp
    covered.extend_from_slice(&(-1i64).to_be_bytes()); // producer id
    covered.extend_from_slice(&(-1i16).to_be_bytes()); // producer epoch
    covered.extend_from_slice(&(-1i32).to_be_bytes()); // base sequence
    covered.extend_from_slice(&1i32.to_be_bytes()); // records
    covered.extend_from_slice(&records);

    let mut batch = Vec::new();
    batch.extend_from_slice(&0i64.to_be_bytes()); // base offset (the broker sets it)
    let length = 4 + 1 + 4 + covered.len(); // leader epoch, magic, crc, rest
    batch.extend_from_slice(&i32::try_from(length)?.to_be_bytes());
    batch.extend_from_slice(&(-1i32).to_be_bytes()); // partition leader epoch
    batch.push(2); // magic
    batch.extend_from_slice(&crc32c(&covered).to_be_bytes());
    batch.extend_from_slice(&covered);
    Ok(batch)
}

/// A Produce v3 request (with its size prefix) of `batch` to one partition.
fn produce_request(topic: &str, partition: i32, batch: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&PRODUCE.to_be_bytes());
    body.extend_from_slice(&PRODUCE_VERSION.to_be_bytes());
    body.extend_from_slice(&1i32.to_be_bytes()); // correlation id
    put_string(&mut body, "integration-tests-markers");
    body.extend_from_slice(&(-1i16).to_be_bytes()); // no transactional id
    body.extend_from_slice(&(-1i16).to_be_bytes()); // acks = all
    body.extend_from_slice(&10_000i32.to_be_bytes()); // timeout
    body.extend_from_slice(&1i32.to_be_bytes()); // topics
    put_string(&mut body, topic);
    body.extend_from_slice(&1i32.to_be_bytes()); // partitions
    body.extend_from_slice(&partition.to_be_bytes());
    body.extend_from_slice(&(batch.len() as i32).to_be_bytes());
    body.extend_from_slice(batch);
    let mut request = (body.len() as i32).to_be_bytes().to_vec();
    request.extend_from_slice(&body);
    request
}

/// Sends `request` to `broker` and reads the one partition's error code and
/// base offset from the answer.
fn send(broker: &str, request: &[u8]) -> Result<(i16, i64), Failure> {
    let mut stream = TcpStream::connect(broker)?;
    stream.set_read_timeout(Some(Duration::from_secs(15)))?;
    stream.write_all(request)?;
    let mut size = [0u8; 4];
    stream.read_exact(&mut size)?;
    let mut answer = vec![0u8; usize::try_from(i32::from_be_bytes(size))?];
    stream.read_exact(&mut answer)?;
    // correlation id, topics (1), topic name, partitions (1), partition,
    // error code, base offset, log append time, then the throttle time.
    let mut at = Reader {
        bytes: &answer,
        at: 0,
    };
    at.skip(4)?; // correlation id
    at.skip(4)?; // topic count
    let name_length = usize::try_from(at.i16()?)?;
    at.skip(name_length)?;
    at.skip(4)?; // partition count
    at.skip(4)?; // partition
    let error = at.i16()?;
    let offset = at.i64()?;
    Ok((error, offset))
}

/// Reads big-endian numbers off an answer, failing past its end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], Failure> {
        let end = self.at + N;
        let slice = self
            .bytes
            .get(self.at..end)
            .ok_or("the broker's answer ended early")?;
        self.at = end;
        Ok(slice.try_into()?)
    }

    fn skip(&mut self, n: usize) -> Result<(), Failure> {
        if self.at + n > self.bytes.len() {
            return Err("the broker's answer ended early".into());
        }
        self.at += n;
        Ok(())
    }

    fn i16(&mut self) -> Result<i16, Failure> {
        Ok(i16::from_be_bytes(self.take()?))
    }

    fn i64(&mut self) -> Result<i64, Failure> {
        Ok(i64::from_be_bytes(self.take()?))
    }
}

fn put_string(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.len() as i16).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// Kafka's zigzag varint.
fn put_varint(out: &mut Vec<u8>, value: i64) {
    let mut rest = ((value << 1) ^ (value >> 63)) as u64;
    while rest >= 0x80 {
        out.push((rest as u8) | 0x80);
        rest >>= 7;
    }
    out.push(rest as u8);
}

/// CRC-32C (Castagnoli), bit by bit: the batches here are tiny.
fn crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    }

    #[test]
    fn varints_are_zigzag_encoded() {
        let mut out = Vec::new();
        for v in [0, -1, 1, 63, -64, 64, 300] {
            put_varint(&mut out, v);
        }
        assert_eq!(out, [0, 1, 2, 126, 127, 128, 1, 216, 4]);
    }
}
