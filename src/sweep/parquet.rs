//! Writing the merged table as Parquet (the `parquet` crate without Arrow or compression
//! codecs): typed columns, one row group per block of rows, key-value metadata.
//!
//! Cells arrive as the CSV text of the same table and are parsed back into their column's
//! type; numbers are written in shortest round-trip form, so the Parquet values equal the CSV
//! values exactly. Empty cells (NaN indicators) are nulls.

use std::fs::File;
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

/// The type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// 64-bit integer, never empty.
    Int,
    /// 64-bit float; empty cells are nulls.
    Float,
    /// Boolean.
    Bool,
    /// UTF-8 text.
    Text,
}

/// A Parquet file being written.
pub struct ParquetTable {
    writer: SerializedFileWriter<File>,
    kinds: Vec<Kind>,
    names: Vec<String>,
}

fn perr(e: parquet::errors::ParquetError) -> String {
    format!("parquet: {e}")
}

impl ParquetTable {
    /// Start a file with the given columns and key-value metadata.
    pub fn create(
        file: File,
        columns: &[(String, Kind)],
        metadata: Vec<(String, String)>,
    ) -> Result<ParquetTable, String> {
        let fields = columns
            .iter()
            .map(|(name, kind)| {
                let (phys, rep, logical) = match kind {
                    Kind::Int => (PhysicalType::INT64, Repetition::REQUIRED, None),
                    Kind::Float => (PhysicalType::DOUBLE, Repetition::OPTIONAL, None),
                    Kind::Bool => (PhysicalType::BOOLEAN, Repetition::REQUIRED, None),
                    Kind::Text => (
                        PhysicalType::BYTE_ARRAY,
                        Repetition::REQUIRED,
                        Some(LogicalType::String),
                    ),
                };
                Type::primitive_type_builder(name, phys)
                    .with_repetition(rep)
                    .with_logical_type(logical)
                    .build()
                    .map(Arc::new)
                    .map_err(perr)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let schema = Type::group_type_builder("zgc_sweep")
            .with_fields(fields)
            .build()
            .map_err(perr)?;
        let props = WriterProperties::builder()
            .set_compression(Compression::UNCOMPRESSED)
            .set_key_value_metadata(Some(
                metadata
                    .into_iter()
                    .map(|(k, v)| KeyValue::new(k, v))
                    .collect(),
            ))
            .build();
        let writer =
            SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props)).map_err(perr)?;
        Ok(ParquetTable {
            writer,
            kinds: columns.iter().map(|c| c.1).collect(),
            names: columns.iter().map(|c| c.0.clone()).collect(),
        })
    }

    /// Write rows (CSV cells) as one row group.
    pub fn write_rows(&mut self, rows: &[Vec<String>]) -> Result<(), String> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut rg = self.writer.next_row_group().map_err(perr)?;
        for (c, kind) in self.kinds.iter().enumerate() {
            let name = &self.names[c];
            let cell = |r: &Vec<String>| -> Result<String, String> {
                r.get(c)
                    .cloned()
                    .ok_or_else(|| format!("row without column {name}"))
            };
            let mut col = rg
                .next_column()
                .map_err(perr)?
                .ok_or_else(|| format!("parquet: no column {name}"))?;
            match kind {
                Kind::Int => {
                    let v = rows
                        .iter()
                        .map(|r| {
                            let s = cell(r)?;
                            s.parse::<i64>()
                                .map_err(|_| format!("column {name}: {s:?} is not an integer"))
                        })
                        .collect::<Result<Vec<i64>, String>>()?;
                    col.typed::<Int64Type>()
                        .write_batch(&v, None, None)
                        .map_err(perr)?;
                }
                Kind::Float => {
                    let mut v = Vec::with_capacity(rows.len());
                    let mut def = Vec::with_capacity(rows.len());
                    for r in rows {
                        let s = cell(r)?;
                        if s.is_empty() {
                            def.push(0i16);
                        } else {
                            let x: f64 = s
                                .parse()
                                .map_err(|_| format!("column {name}: {s:?} is not a number"))?;
                            v.push(x);
                            def.push(1);
                        }
                    }
                    col.typed::<DoubleType>()
                        .write_batch(&v, Some(&def), None)
                        .map_err(perr)?;
                }
                Kind::Bool => {
                    let v = rows
                        .iter()
                        .map(|r| {
                            let s = cell(r)?;
                            s.parse::<bool>()
                                .map_err(|_| format!("column {name}: {s:?} is not a boolean"))
                        })
                        .collect::<Result<Vec<bool>, String>>()?;
                    col.typed::<BoolType>()
                        .write_batch(&v, None, None)
                        .map_err(perr)?;
                }
                Kind::Text => {
                    let v = rows
                        .iter()
                        .map(|r| Ok(ByteArray::from(cell(r)?.into_bytes())))
                        .collect::<Result<Vec<ByteArray>, String>>()?;
                    col.typed::<ByteArrayType>()
                        .write_batch(&v, None, None)
                        .map_err(perr)?;
                }
            }
            col.close().map_err(perr)?;
        }
        rg.close().map_err(perr)?;
        Ok(())
    }

    /// Finish the file (footer) and flush it to disk.
    pub fn finish(self) -> Result<(), String> {
        let file = self.writer.into_inner().map_err(perr)?;
        file.sync_all().map_err(|e| format!("parquet: {e}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    #[test]
    fn writes_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.parquet");
        let cols = vec![
            ("run".to_string(), Kind::Int),
            ("params.x".to_string(), Kind::Float),
            ("flag".to_string(), Kind::Bool),
            ("date".to_string(), Kind::Text),
        ];
        let mut t = ParquetTable::create(
            File::create(&p).unwrap(),
            &cols,
            vec![("zgc.complete".into(), "true".into())],
        )
        .unwrap();
        let row = |a: &str, b: &str, c: &str, d: &str| -> Vec<String> {
            vec![a.into(), b.into(), c.into(), d.into()]
        };
        t.write_rows(&[
            row("0", "0.1", "true", "2009-12"),
            row("1", "", "false", "2010-12"),
        ])
        .unwrap();
        t.write_rows(&[row("2", "3", "true", "2011-12")]).unwrap();
        t.finish().unwrap();
        let r = SerializedFileReader::new(File::open(&p).unwrap()).unwrap();
        let meta = r.metadata().file_metadata();
        assert_eq!(meta.num_rows(), 3);
        let kv = meta.key_value_metadata().unwrap();
        assert_eq!(kv[0].key, "zgc.complete");
        let names: Vec<String> = meta
            .schema_descr()
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        assert_eq!(names, ["run", "params.x", "flag", "date"]);
        let rows: Vec<_> = r.get_row_iter(None).unwrap().map(|r| r.unwrap()).collect();
        let cols0: Vec<_> = rows[0].get_column_iter().map(|(_, f)| f.clone()).collect();
        assert_eq!(cols0[0], Field::Long(0));
        assert_eq!(cols0[1], Field::Double(0.1));
        assert_eq!(cols0[2], Field::Bool(true));
        assert_eq!(cols0[3], Field::Str("2009-12".into()));
        let cols1: Vec<_> = rows[1].get_column_iter().map(|(_, f)| f.clone()).collect();
        assert_eq!(cols1[1], Field::Null);
        let bad = ParquetTable::create(File::create(dir.path().join("b")).unwrap(), &cols, vec![])
            .unwrap()
            .write_rows(&[row("x", "1", "true", "d")]);
        assert!(bad.unwrap_err().contains("not an integer"));
    }
}
