//! The first or next offset of many partitions in one ListOffsets request
//! per leader (as Java's `beginningOffsets` / `endOffsets`), instead of the
//! two requests per partition that watermarks take.

use std::collections::HashMap;

use rdkafka::consumer::Consumer as _;
use rdkafka::{Offset as RdOffset, TopicPartitionList};

use super::core::Core;
use crate::error::{Error, Result};
use crate::record::TopicPartition;

/// Which end of the partitions to ask for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum End {
    Beginning,
    End,
}

impl End {
    fn operation(self) -> &'static str {
        match self {
            End::Beginning => "reading beginning offsets",
            End::End => "reading end offsets",
        }
    }

    fn verb(self) -> &'static str {
        match self {
            End::Beginning => "read beginning offsets",
            End::End => "read end offsets",
        }
    }
}

/// Asks for `end` of every partition in `partitions`. librdkafka's
/// offsets-for-times takes the special "timestamps" -2 (earliest) and -1
/// (latest) as ListOffsets does, and groups the partitions by leader.
pub(crate) async fn list_offsets(
    core: &Core,
    partitions: &[TopicPartition],
    end: End,
) -> Result<HashMap<TopicPartition, i64>> {
    if partitions.is_empty() {
        return Ok(HashMap::new());
    }
    let operation = end.operation();
    let which = match end {
        End::Beginning => RdOffset::Beginning,
        End::End => RdOffset::End,
    };
    let mut query = TopicPartitionList::with_capacity(partitions.len());
    for tp in partitions {
        query
            .add_partition_offset(tp.topic(), tp.partition(), which)
            .map_err(|source| Error::Partition {
                operation,
                partition: tp.clone(),
                source,
            })?;
    }
    let timeout = core.timeout();
    let answer = core
        .blocking(operation, move |base| {
            base.offsets_for_times(query, timeout).map(|list| {
                list.elements()
                    .iter()
                    .map(|e| {
                        let tp = TopicPartition::new(e.topic(), e.partition());
                        (tp, e.error().map(|()| e.offset()))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .await?
        .map_err(|source| Error::Kafka { operation, source })?;
    let mut offsets = HashMap::with_capacity(answer.len());
    for (tp, result) in answer {
        match result {
            Ok(RdOffset::Offset(offset)) if offset >= 0 => {
                offsets.insert(tp, offset);
            }
            Ok(other) => {
                return Err(Error::InvalidState {
                    operation: end.verb(),
                    reason: format!("the broker answered {other:?} for {tp}"),
                })
            }
            Err(source) => {
                return Err(Error::Partition {
                    operation,
                    partition: tp,
                    source,
                })
            }
        }
    }
    if let Some(missing) = partitions.iter().find(|tp| !offsets.contains_key(*tp)) {
        return Err(Error::InvalidState {
            operation: end.verb(),
            reason: format!("the broker's answer left out {missing}"),
        });
    }
    Ok(offsets)
}
