//! The one generator of random C types for the generated-ABI tests
//! (`abi_random`, `abi_ms`): enums, records aimed at a size (roughly, or
//! exactly when a test must cover each size), their layout, and random scalar,
//! parameter and result types. A [`Mix`] says what a test's records may hold;
//! the model the types are built in is `random_types`.

use super::random_c::{Scalar, INTEGERS};
use super::random_types::{EnumDef, Field, Flavour, Record, Ty, Types};
use super::Rng;

use Scalar as S;

const FLOATS: [Scalar; 2] = [S::Float, S::Double];

/// What a test's records and signatures may hold: how often (in percent) a
/// record is a union or packed and a member a bitfield (named, unnamed or
/// zero-width) or over-aligned, the flavours picked from, the most members of a
/// struct and of a union, and whether `const char *` is among the scalars
/// (enums are when [`Types::enums`] has some).
#[derive(Clone, Copy, Debug)]
pub struct Mix {
    pub unions: u64,
    pub packed: u64,
    pub bitfields: u64,
    pub aligned: u64,
    pub flavours: &'static [Flavour],
    pub most: (usize, usize),
    pub strings: bool,
}

/// An enum of one to five enumerators; `kind` (taken modulo 6) picks their
/// range: small, negative, 32-bit, 64-bit, negative 64-bit or above `i64::MAX`.
pub fn gen_enum(rng: &mut Rng, kind: usize) -> EnumDef {
    let mut values = Vec::new();
    for _ in 0..rng.between(1, 5) {
        let v: i128 = match kind % 6 {
            0 => rng.below(100) as i128,
            1 => rng.below(2000) as i128 - 1000,
            2 => i128::from(rng.next() as u32),
            3 => i128::from(rng.next() >> rng.below(40)),
            4 => i128::from(rng.next() as i64 >> rng.below(40)),
            _ => i128::from(rng.next() | (1 << 63)),
        };
        if !values.contains(&v) {
            values.push(v);
        }
    }
    let fits_4 = |v: &i128| i32::try_from(*v).is_ok() || u32::try_from(*v).is_ok();
    let size = if values.iter().all(fits_4) { 4 } else { 8 };
    EnumDef { values, size }
}

impl Types {
    /// The size and alignment of a record of `fields` on x86-64: exact for
    /// members without bitfields (packed ones without `aligned`), rough for
    /// bitfields, whose allocation units it ignores (enough to steer sizes).
    fn layout(&self, fields: &[Field], union: bool, packed: bool) -> (usize, usize) {
        let (mut bits, mut size, mut align) = (0usize, 0usize, 1usize);
        for f in fields {
            if let Some(w) = f.bits {
                if union {
                    size = size.max((w as usize).div_ceil(8));
                } else {
                    bits += w as usize;
                }
                continue;
            }
            let (fsize, natural) = self.size_align(f.ty);
            let bytes = fsize * f.dims.iter().product::<usize>();
            let falign = match (f.aligned, packed) {
                (0, true) => 1,
                (0, false) => natural,
                (to, _) => to.max(natural),
            };
            align = align.max(falign);
            if union {
                size = size.max(bytes);
            } else {
                bits = bits.next_multiple_of(falign * 8) + bytes * 8;
            }
        }
        let size = size.max(bits.div_ceil(8)).max(1);
        (size.next_multiple_of(align), align)
    }

    /// A random record of about `size` bytes (members are added while it is
    /// smaller), or of exactly `size` bytes (`exact`: drawn again until it is;
    /// exact only for a `mix` without bitfields, packing or `aligned`).
    pub fn gen_record(&self, rng: &mut Rng, mix: &Mix, size: usize, exact: bool) -> Record {
        for _ in 0..500 {
            let r = self.try_record(rng, mix, size);
            if !exact || r.size == size {
                return r;
            }
        }
        // Reached for about one record in thirty (odd sizes over 8):
        // `char m0[size]` has every size.
        let fields = vec![Field::plain(0, Ty::Scalar(S::Char), vec![size])];
        self.finish(false, false, Flavour::Int, fields, 0)
    }

    /// A record of `fields` with the member `active` set, and its layout.
    pub fn finish(
        &self,
        union: bool,
        packed: bool,
        flavour: Flavour,
        fields: Vec<Field>,
        active: usize,
    ) -> Record {
        let (size, align) = self.layout(&fields, union, packed);
        Record {
            union,
            packed,
            flavour,
            fields,
            active,
            size,
            align,
        }
    }

    fn try_record(&self, rng: &mut Rng, mix: &Mix, budget: usize) -> Record {
        let union = rng.chance(mix.unions);
        let packed = rng.chance(mix.packed);
        let flavour = rng.pick(mix.flavours);
        let most = if union { mix.most.1 } else { mix.most.0 };
        let count = rng.between(1, most);
        let mut fields: Vec<Field> = Vec::new();
        let mut size = 0;
        while fields.len() < count && size < budget {
            let f = self.gen_field(rng, mix, flavour, union, fields.len(), budget - size);
            fields.push(f);
            size = self.layout(&fields, union, packed).0;
        }
        if !fields.iter().any(|f| f.name.is_some() && f.bits != Some(0)) {
            let s = if flavour == Flavour::Float {
                S::Float
            } else {
                S::Int
            };
            fields.push(Field::plain(fields.len(), Ty::Scalar(s), Vec::new()));
        }
        let named: Vec<usize> = (0..fields.len())
            .filter(|i| fields[*i].name.is_some())
            .collect();
        let active = rng.pick(&named);
        self.finish(union, packed, flavour, fields, active)
    }

    /// Member `m<index>` (or an unnamed bitfield) of a record of `flavour`
    /// with about `room` bytes left.
    fn gen_field(
        &self,
        rng: &mut Rng,
        mix: &Mix,
        flavour: Flavour,
        union: bool,
        index: usize,
        room: usize,
    ) -> Field {
        if flavour != Flavour::Float && rng.chance(mix.bitfields) {
            return gen_bitfield(rng, union, index);
        }
        let nested = self.nested_candidates(flavour, room);
        let nest_chance = if flavour == Flavour::Wild { 30 } else { 15 };
        let ty = if !nested.is_empty() && rng.chance(nest_chance) {
            Ty::Record(rng.pick(&nested))
        } else {
            Ty::Scalar(match flavour {
                Flavour::Int => rng.pick(&INTEGERS),
                Flavour::Float => rng.pick(&FLOATS),
                Flavour::Mixed if rng.chance(50) => rng.pick(&FLOATS),
                Flavour::Mixed => rng.pick(&INTEGERS),
                Flavour::Wild => self.random_scalar(rng, mix),
            })
        };
        let mut dims = Vec::new();
        if rng.chance(20) {
            let cap = (room / self.size_align(ty).0.max(1)).max(1);
            match rng.below(10) {
                0..=6 => dims.push(rng.between(1, cap.clamp(1, 6))),
                7..=8 => dims.extend([rng.between(1, 3), rng.between(1, 3)]),
                _ => dims.extend([rng.between(1, 2), rng.between(1, 2), rng.between(1, 3)]),
            }
        }
        let mut field = Field::plain(index, ty, dims);
        if rng.chance(mix.aligned) {
            field.aligned = rng.pick(&[16, 16, 16, 8, 4]);
        }
        field
    }

    /// Records built so far whose flavour fits in `flavour`, of at most `room`
    /// bytes.
    fn nested_candidates(&self, flavour: Flavour, room: usize) -> Vec<usize> {
        let fits = |r: &Record| match flavour {
            Flavour::Int | Flavour::Float => r.flavour == flavour,
            Flavour::Mixed => r.flavour != Flavour::Wild,
            Flavour::Wild => true,
        };
        (0..self.records.len())
            .filter(|k| fits(&self.records[*k]) && self.records[*k].size <= room)
            .collect()
    }

    /// Any scalar: integers half of the time, `__int128`, floating types,
    /// pointers, and the enums there are.
    pub fn random_scalar(&self, rng: &mut Rng, mix: &Mix) -> Scalar {
        match rng.below(22) {
            0..=11 => rng.pick(&INTEGERS),
            12 => S::I128,
            13 => S::U128,
            14 => S::Float,
            15 | 16 => S::Double,
            17 => S::LDouble,
            18 if mix.strings => S::Str,
            18 | 19 => S::VoidPtr,
            _ if !self.enums.is_empty() => S::Enum(rng.below(self.enums.len())),
            _ => S::Int,
        }
    }

    /// A parameter type: a record 45% of the time (when there are any), else
    /// [`Types::random_scalar`].
    pub fn random_param(&self, rng: &mut Rng, mix: &Mix) -> Ty {
        if !self.records.is_empty() && rng.chance(45) {
            Ty::Record(rng.below(self.records.len()))
        } else {
            Ty::Scalar(self.random_scalar(rng, mix))
        }
    }

    /// A result type: `void` (`None`) 10% of the time, else a parameter type.
    pub fn random_result(&self, rng: &mut Rng, mix: &Mix) -> Option<Ty> {
        (!rng.chance(10)).then(|| self.random_param(rng, mix))
    }
}

/// A bitfield of any integer type and width: in a struct, sometimes unnamed,
/// and half of those zero-width (`int :0` ends the allocation unit).
fn gen_bitfield(rng: &mut Rng, union: bool, index: usize) -> Field {
    let named = union || !rng.chance(25);
    let (base, bits) = if !named && rng.chance(50) {
        (rng.pick(&[S::Int, S::UInt, S::Char, S::LLong]), 0)
    } else {
        let mut base = rng.pick(&INTEGERS);
        if !named && base == S::Bool {
            base = S::UInt;
        }
        let (width, _) = base.int_shape().expect("an integer type");
        (base, rng.between(1, width as usize) as u32)
    };
    Field {
        name: named.then(|| format!("m{index}")),
        ty: Ty::Scalar(base),
        dims: Vec::new(),
        bits: Some(bits),
        aligned: 0,
    }
}
