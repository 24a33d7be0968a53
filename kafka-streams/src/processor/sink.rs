//! Sink nodes: typed records in, bytes out.

use std::sync::Arc;

use kafka_client::serde::{Serializer, SharedSerde};

use super::erased::{downcast, AnyRecord};
use super::{Data, Record};
use crate::error::{Error, RecordOrigin, Result};
use crate::task::SinkRecord;
use crate::topology::{NodeId, Topology, TopologyTopic};

/// Chooses a topic per record.
pub(crate) type TopicChooser<K, V> = Arc<dyn Fn(&Record<K, V>) -> String + Send + Sync>;

/// Where a typed sink writes.
pub(crate) enum SinkTarget<K, V> {
    Topic(TopologyTopic),
    Dynamic(TopicChooser<K, V>),
}

/// What a sink needs to know about the record's context.
pub(crate) struct SinkEnv<'a> {
    pub(crate) topology: &'a Topology,
    pub(crate) node: NodeId,
    pub(crate) application_id: &'a str,
    /// The sink's fixed topic's full name, worked out once per task.
    pub(crate) topic: Option<&'a kafka_client::TopicName>,
    pub(crate) origin: &'a RecordOrigin,
}

/// Serializes a record for its topic.
pub(crate) trait SinkEncoder: Send + Sync {
    fn encode(&self, record: AnyRecord, env: SinkEnv<'_>) -> Result<SinkRecord>;
}

pub(crate) struct TypedSink<K, V> {
    keys: SharedSerde<K>,
    values: SharedSerde<V>,
    target: SinkTarget<K, V>,
}

impl<K, V> TypedSink<K, V> {
    pub(crate) fn new(
        keys: SharedSerde<K>,
        values: SharedSerde<V>,
        target: SinkTarget<K, V>,
    ) -> Self {
        TypedSink {
            keys,
            values,
            target,
        }
    }
}

impl<K: Data, V: Data> SinkEncoder for TypedSink<K, V> {
    fn encode(&self, record: AnyRecord, env: SinkEnv<'_>) -> Result<SinkRecord> {
        let record = downcast::<K, V>(record, env.topology, env.node)?;
        let topic: kafka_client::TopicName = match &self.target {
            SinkTarget::Topic(t) => match env.topic {
                Some(full) => full.clone(),
                None => t.full_name(env.application_id).into(),
            },
            SinkTarget::Dynamic(choose) => choose(&record).into(),
        };
        let failure = |part, source| Error::Serialization {
            processor: env.topology.node(env.node).name().to_string(),
            topic: topic.to_string(),
            part,
            origin: env.origin.clone(),
            source: Box::new(source),
        };
        let key = record
            .key
            .as_ref()
            .map(|k| self.keys.serialize(&topic, k))
            .transpose()
            .map_err(|e| failure("key", e))?;
        let value = record
            .value
            .as_ref()
            .map(|v| self.values.serialize(&topic, v))
            .transpose()
            .map_err(|e| failure("value", e))?;
        Ok(SinkRecord {
            topic,
            partition: None,
            key,
            value,
            timestamp: record.timestamp,
            headers: record.headers,
            record_id: None,
        })
    }
}
