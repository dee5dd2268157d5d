pub mod accuracy;
