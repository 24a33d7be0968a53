//! Serdes for strings, numbers and raw bytes, matching Kafka's `Serdes`.

use std::borrow::Cow;

use super::{DefaultSerde, Deserializer, SerdeError, Serializer};

/// UTF-8 strings (Kafka's `StringSerializer`). Invalid UTF-8 is an error.
#[derive(Debug, Clone, Copy, Default)]
pub struct StringSerde;

impl Serializer<String> for StringSerde {
    fn serialize(&self, _topic: &str, value: &String) -> Result<Vec<u8>, SerdeError> {
        Ok(value.as_bytes().to_vec())
    }

    fn serialize_borrowed<'a>(
        &self,
        _topic: &str,
        value: &'a String,
    ) -> Result<Cow<'a, [u8]>, SerdeError> {
        Ok(Cow::Borrowed(value.as_bytes()))
    }
}

impl Serializer<str> for StringSerde {
    fn serialize(&self, _topic: &str, value: &str) -> Result<Vec<u8>, SerdeError> {
        Ok(value.as_bytes().to_vec())
    }

    fn serialize_borrowed<'a>(
        &self,
        _topic: &str,
        value: &'a str,
    ) -> Result<Cow<'a, [u8]>, SerdeError> {
        Ok(Cow::Borrowed(value.as_bytes()))
    }
}

impl Deserializer<String> for StringSerde {
    fn deserialize(&self, _topic: &str, bytes: &[u8]) -> Result<String, SerdeError> {
        String::from_utf8(bytes.to_vec())
            .map_err(|e| SerdeError::with_source("invalid UTF-8 in a String", e.utf8_error()))
    }
}

impl DefaultSerde for String {
    type Serde = StringSerde;
}

macro_rules! fixed_width_serde {
    ($(#[$doc:meta])* $name:ident, $ty:ty, $width:expr, $kafka:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl Serializer<$ty> for $name {
            fn serialize(&self, _topic: &str, value: &$ty) -> Result<Vec<u8>, SerdeError> {
                Ok(value.to_be_bytes().to_vec())
            }

            fn serialize_into(
                &self,
                _topic: &str,
                value: &$ty,
                buf: &mut Vec<u8>,
            ) -> Result<(), SerdeError> {
                buf.clear();
                buf.extend_from_slice(&value.to_be_bytes());
                Ok(())
            }
        }

        impl Deserializer<$ty> for $name {
            fn deserialize(&self, _topic: &str, bytes: &[u8]) -> Result<$ty, SerdeError> {
                let array: [u8; $width] = bytes.try_into().map_err(|_| {
                    SerdeError::new(format!(
                        "a {} must be {} bytes, got {}",
                        $kafka,
                        $width,
                        bytes.len()
                    ))
                })?;
                Ok(<$ty>::from_be_bytes(array))
            }
        }

        impl DefaultSerde for $ty {
            type Serde = $name;
        }
    };
}

fixed_width_serde!(
    /// 64-bit signed integers as 8 bytes big-endian (Kafka's `LongSerializer`).
    LongSerde, i64, 8, "Long"
);
fixed_width_serde!(
    /// 32-bit signed integers as 4 bytes big-endian (Kafka's `IntegerSerializer`).
    IntSerde, i32, 4, "Integer"
);
fixed_width_serde!(
    /// 64-bit floats as IEEE-754 8 bytes big-endian (Kafka's `DoubleSerializer`).
    DoubleSerde, f64, 8, "Double"
);

/// Raw bytes, passed through unchanged (Kafka's `ByteArraySerializer`).
#[derive(Debug, Clone, Copy, Default)]
pub struct BytesSerde;

impl Serializer<Vec<u8>> for BytesSerde {
    fn serialize(&self, _topic: &str, value: &Vec<u8>) -> Result<Vec<u8>, SerdeError> {
        Ok(value.clone())
    }

    fn serialize_borrowed<'a>(
        &self,
        _topic: &str,
        value: &'a Vec<u8>,
    ) -> Result<Cow<'a, [u8]>, SerdeError> {
        Ok(Cow::Borrowed(value))
    }
}

impl Serializer<[u8]> for BytesSerde {
    fn serialize(&self, _topic: &str, value: &[u8]) -> Result<Vec<u8>, SerdeError> {
        Ok(value.to_vec())
    }

    fn serialize_borrowed<'a>(
        &self,
        _topic: &str,
        value: &'a [u8],
    ) -> Result<Cow<'a, [u8]>, SerdeError> {
        Ok(Cow::Borrowed(value))
    }
}

impl Deserializer<Vec<u8>> for BytesSerde {
    fn deserialize(&self, _topic: &str, bytes: &[u8]) -> Result<Vec<u8>, SerdeError> {
        Ok(bytes.to_vec())
    }
}

impl DefaultSerde for Vec<u8> {
    type Serde = BytesSerde;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_lent_not_copied_and_other_types_are_serialized() {
        let bytes = vec![1u8, 2, 3];
        let lent = BytesSerde.serialize_borrowed("t", &bytes).unwrap();
        assert!(matches!(lent, Cow::Borrowed(b) if b.as_ptr() == bytes.as_ptr()));
        let owned = LongSerde.serialize_borrowed("t", &7).unwrap();
        assert!(matches!(owned, Cow::Owned(ref b) if b == &7i64.to_be_bytes()));
    }

    #[test]
    fn strings_are_lent_and_every_serde_writes_into_a_reused_buffer() {
        let word = String::from("kafka");
        let lent = StringSerde.serialize_borrowed("t", &word).unwrap();
        assert!(matches!(lent, Cow::Borrowed(b) if b.as_ptr() == word.as_ptr()));
        let lent = Serializer::<str>::serialize_borrowed(&StringSerde, "t", "ka").unwrap();
        assert!(matches!(lent, Cow::Borrowed(b"ka")));
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(b"left over from before");
        let room = buf.as_ptr();
        let check = |buf: &Vec<u8>, expected: &[u8]| {
            assert_eq!(buf.as_slice(), expected);
            assert_eq!(buf.as_ptr(), room, "written in place, not reallocated");
        };
        StringSerde.serialize_into("t", &word, &mut buf).unwrap();
        check(&buf, b"kafka");
        LongSerde.serialize_into("t", &258, &mut buf).unwrap();
        check(&buf, &[0, 0, 0, 0, 0, 0, 1, 2]);
        IntSerde.serialize_into("t", &-1, &mut buf).unwrap();
        check(&buf, &[0xff; 4]);
        DoubleSerde.serialize_into("t", &1.0, &mut buf).unwrap();
        check(&buf, &1.0f64.to_be_bytes());
        BytesSerde
            .serialize_into("t", &vec![4u8], &mut buf)
            .unwrap();
        check(&buf, &[4]);
        let json = crate::serde::Json::<Vec<i32>>::default();
        json.serialize_into("t", &vec![1, 2], &mut buf).unwrap();
        check(&buf, b"[1,2]");
    }

    /// Writes a marker through `serialize_into`, unlike `serialize`.
    struct Marked;

    impl Serializer<i64> for Marked {
        fn serialize(&self, _topic: &str, _value: &i64) -> Result<Vec<u8>, SerdeError> {
            Ok(b"plain".to_vec())
        }

        fn serialize_into(
            &self,
            _topic: &str,
            _value: &i64,
            buf: &mut Vec<u8>,
        ) -> Result<(), SerdeError> {
            buf.clear();
            buf.extend_from_slice(b"into");
            Ok(())
        }
    }

    impl Deserializer<i64> for Marked {
        fn deserialize(&self, _topic: &str, _bytes: &[u8]) -> Result<i64, SerdeError> {
            Ok(0)
        }
    }

    #[test]
    fn the_shared_serde_forwards_serialize_into() {
        let shared = crate::serde::SharedSerde::new(Marked);
        let mut buf = Vec::new();
        shared.serialize_into("t", &1, &mut buf).unwrap();
        assert_eq!(buf, b"into");
        assert_eq!(shared.serialize("t", &1).unwrap(), b"plain");
    }

    #[test]
    fn long_matches_kafka_long_serializer() {
        // Kafka's LongSerializer writes the value big-endian, most significant byte first.
        assert_eq!(
            LongSerde.serialize("t", &0x0102_0304_0506_0708).unwrap(),
            vec![1, 2, 3, 4, 5, 6, 7, 8]
        );
        assert_eq!(LongSerde.serialize("t", &-1).unwrap(), vec![0xff; 8]);
        assert_eq!(LongSerde.deserialize("t", &[0xff; 8]).unwrap(), -1);
        assert!(LongSerde.deserialize("t", &[0; 7]).is_err());
        assert!(LongSerde.deserialize("t", &[0; 9]).is_err());
    }

    #[test]
    fn int_and_double_are_big_endian() {
        assert_eq!(IntSerde.serialize("t", &258).unwrap(), vec![0, 0, 1, 2]);
        assert_eq!(IntSerde.deserialize("t", &[0, 0, 1, 2]).unwrap(), 258);
        // 1.0 in IEEE-754 binary64 is 0x3FF0_0000_0000_0000.
        assert_eq!(
            DoubleSerde.serialize("t", &1.0).unwrap(),
            vec![0x3f, 0xf0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            DoubleSerde
                .deserialize("t", &[0x3f, 0xf0, 0, 0, 0, 0, 0, 0])
                .unwrap(),
            1.0
        );
        assert!(IntSerde.deserialize("t", &[1, 2]).is_err());
    }

    #[test]
    fn strings_are_utf8_and_reject_invalid_bytes() {
        let bytes = StringSerde.serialize("t", &"한국어 é".to_string()).unwrap();
        assert_eq!(bytes, "한국어 é".as_bytes());
        let back: String = StringSerde.deserialize("t", &bytes).unwrap();
        assert_eq!(back, "한국어 é");
        let err =
            Deserializer::<String>::deserialize(&StringSerde, "t", &[0xff, 0xfe]).unwrap_err();
        assert!(err.to_string().contains("UTF-8"), "{err}");
    }

    #[test]
    fn bytes_pass_through() {
        assert_eq!(
            BytesSerde.serialize("t", &vec![0u8, 255]).unwrap(),
            vec![0, 255]
        );
        assert_eq!(
            Deserializer::<Vec<u8>>::deserialize(&BytesSerde, "t", &[9]).unwrap(),
            vec![9]
        );
    }
}
