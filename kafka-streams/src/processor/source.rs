//! Source nodes: bytes in, typed records out.

use std::sync::Arc;

use kafka_client::serde::{Deserializer, SharedSerde};
use kafka_client::DeserializationError;

use super::erased::{downcast, fan_out, AnyRecord, Outbox};
use super::{Data, Record};
use crate::error::{Error, RecordOrigin, Result};
use crate::task::SourceRecord;
use crate::time::TimestampExtractor;
use crate::topology::{NodeId, Topology};

/// Deserializes a source's records and hands them to its children.
pub(crate) trait SourceDecoder: Send + Sync {
    /// The typed record and its event time.
    fn decode(
        &self,
        node: &str,
        record: SourceRecord<'_>,
        partition_time: Option<i64>,
    ) -> Result<(AnyRecord, i64)>;

    /// Sends a decoded record to every child of `node`.
    fn fan_out(
        &self,
        record: AnyRecord,
        topology: &Topology,
        node: NodeId,
        outbox: &mut Outbox,
    ) -> Result<()>;
}

pub(crate) struct TypedSource<K, V> {
    keys: SharedSerde<K>,
    values: SharedSerde<V>,
    extractor: Arc<dyn TimestampExtractor<K, V>>,
}

impl<K, V> TypedSource<K, V> {
    pub(crate) fn new(
        keys: SharedSerde<K>,
        values: SharedSerde<V>,
        extractor: Arc<dyn TimestampExtractor<K, V>>,
    ) -> Self {
        TypedSource {
            keys,
            values,
            extractor,
        }
    }
}

fn failure(
    record: &SourceRecord<'_>,
    part: &'static str,
    source: kafka_client::serde::SerdeError,
) -> Error {
    Error::Deserialization(Box::new(DeserializationError {
        topic: record.topic.to_string(),
        partition: record.partition,
        offset: record.offset,
        part,
        key: record.key.map(<[u8]>::to_vec),
        value: record.value.map(<[u8]>::to_vec),
        timestamp: Some(record.timestamp),
        headers: record.headers.clone(),
        source,
    }))
}

impl<K: Data, V: Data> SourceDecoder for TypedSource<K, V> {
    fn decode(
        &self,
        node: &str,
        record: SourceRecord<'_>,
        partition_time: Option<i64>,
    ) -> Result<(AnyRecord, i64)> {
        let key = record
            .key
            .map(|b| self.keys.deserialize(record.topic, b))
            .transpose()
            .map_err(|e| failure(&record, "key", e))?;
        let value = record
            .value
            .map(|b| self.values.deserialize(record.topic, b))
            .transpose()
            .map_err(|e| failure(&record, "value", e))?;
        let timestamp = self.extractor.extract(
            key.as_ref(),
            value.as_ref(),
            record.timestamp,
            partition_time,
        );
        if timestamp < 0 {
            return Err(Error::InvalidTimestamp {
                source_node: node.to_string(),
                timestamp,
                origin: RecordOrigin::Input {
                    topic: record.topic.clone(),
                    partition: record.partition,
                    offset: record.offset,
                },
            });
        }
        let typed = Record {
            key,
            value,
            timestamp,
            headers: record.headers,
        };
        Ok((Box::new(typed), timestamp))
    }

    fn fan_out(
        &self,
        record: AnyRecord,
        topology: &Topology,
        node: NodeId,
        outbox: &mut Outbox,
    ) -> Result<()> {
        let children = topology.node(node).children();
        if let [only] = children {
            // One child takes the record as it is: no unboxing and boxing
            // again.
            outbox.push((*only, record));
            return Ok(());
        }
        let record = downcast::<K, V>(record, topology, node)?;
        fan_out(record, children, outbox);
        Ok(())
    }
}
