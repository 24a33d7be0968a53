//! A Kafka-Streams-style stream processing library. (Being written.)
#![forbid(unsafe_code)]
