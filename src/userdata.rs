//! Full userdata: a block of host data with a metatable and user values.

use std::any::Any;
use std::cell::{Cell, RefCell};

use crate::gc::{Collectable, Gc, GcBox, GcRef, Marker};
use crate::table::Table;
use crate::value::Value;

/// A full userdata (PUC's `Udata`): a typed Rust payload, a metatable and `n` user values.
/// The payload is `Send` so that a whole state may move to another OS thread.
pub struct UserData {
    metatable: Cell<Option<Gc<Table>>>,
    user_values: RefCell<Vec<Value>>,
    payload: RefCell<Box<dyn Any + Send>>,
}

impl UserData {
    pub fn new(payload: Box<dyn Any + Send>, num_user_values: usize) -> UserData {
        UserData {
            metatable: Cell::new(None),
            user_values: RefCell::new(vec![Value::Nil; num_user_values]),
            payload: RefCell::new(payload),
        }
    }

    pub fn metatable(&self) -> Option<Gc<Table>> {
        self.metatable.get()
    }

    pub fn set_metatable(&self, mt: Option<Gc<Table>>) {
        self.metatable.set(mt)
    }

    /// User value `n` (1-based); `None` when the userdata has fewer.
    pub fn user_value(&self, n: usize) -> Option<Value> {
        n.checked_sub(1)
            .and_then(|i| self.user_values.borrow().get(i).copied())
    }

    /// Sets user value `n` (1-based); `false` when the userdata has fewer.
    pub fn set_user_value(&self, n: usize, v: Value) -> bool {
        match n.checked_sub(1).and_then(|i| {
            self.user_values
                .borrow_mut()
                .get_mut(i)
                .map(|slot| *slot = v)
        }) {
            Some(()) => true,
            None => false,
        }
    }

    /// The payload, borrowed; `None` on a conflicting borrow.
    pub fn payload(&self) -> Option<std::cell::Ref<'_, Box<dyn Any + Send>>> {
        self.payload.try_borrow().ok()
    }

    /// The payload, mutably borrowed; `None` on a conflicting borrow.
    pub fn payload_mut(&self) -> Option<std::cell::RefMut<'_, Box<dyn Any + Send>>> {
        self.payload.try_borrow_mut().ok()
    }
}

impl Collectable for UserData {
    fn into_ref(gc: Gc<Self>) -> GcRef {
        GcRef::UserData(gc)
    }
    fn trace(&self, marker: &mut Marker) {
        if let Some(mt) = self.metatable.get() {
            marker.mark_table(mt);
        }
        for &v in self.user_values.borrow().iter() {
            marker.mark_value(v);
        }
    }
    fn heap_size(&self) -> usize {
        std::mem::size_of::<GcBox<UserData>>() + self.user_values.borrow().len() * 16
    }
}
