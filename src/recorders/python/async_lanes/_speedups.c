/* Optional C accelerator of the asyncio recorder (_rec.py, _writer.py); built by _native.py.
 *
 * Public C API only (no internal headers or structs; one exception, checked at run time: a C Task's name field, see
 * name_field), CPython 3.9-3.15.  On 3.14+ there is no proxy: begin()
 * and done() time a task's step around its step callback (see _rec._cb_start_np).
 *
 * Recorder side: the task coroutine proxy, record for record what _rec._Coro does.  Each
 * send/throw is one step: t0, send into the coroutine, t1, the await offset (the frame's
 * f_lasti), the per-code "does the await at that offset go deeper" cache (misses and deep
 * sites are resolved by _rec's Python functions), the awaited id.  A step is six int64
 * (t0, task, t1, awaited or -1, code id, offset) appended to a C array, taken with the
 * record list by take() (atomically: the GIL is held throughout).  The coroutine's end is
 * handed to _rec._Coro._end unchanged.  On 3.10+ the type implements am_send: the C Task
 * calls it directly.  Clock: clock_gettime(CLOCK_MONOTONIC), which is what
 * time.perf_counter_ns() reads on Linux (_native.py checks it before use).
 *
 * Writer side: resolve() and merge() turn those int64 steps into `step` lines
 * (docs/trace-format.md), merged by time with the chunk's other records.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <marshal.h>
#if PY_VERSION_HEX < 0x030B0000
#include <frameobject.h> /* (PyFrame_Check; Python.h has it since 3.11) */
#endif
#include <time.h>
#include <string.h>
#include <errno.h>
#include <sys/uio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#if PY_VERSION_HEX < 0x03090000
#error "CPython 3.9+ required"
#endif

#if PY_VERSION_HEX < 0x030A0000
typedef enum { PYGEN_RETURN = 0, PYGEN_ERROR = -1, PYGEN_NEXT = 1 } PySendResult;
static inline PyObject *Py_NewRef(PyObject *o) { Py_INCREF(o); return o; }
static inline PyObject *Py_XNewRef(PyObject *o) { Py_XINCREF(o); return o; }
#endif

#define NONE_ID (-1LL)

/* what a step rarely needs, out of its way (its code kept off the lines the hot path and the eval loop share) */
#if defined(__GNUC__)
#define COLD __attribute__((cold, noinline))
#define NOINLINE __attribute__((noinline))
#else
#define COLD
#define NOINLINE
#endif

/* ---- the step buffer ---------------------------------------------------- */

typedef struct { long long t0, tid, t1, aw, cid, la; } Step;

static Step *g_steps;
static Py_ssize_t g_nsteps, g_cap;
/* Called (from the step that filled it) when FLUSH_AT steps are buffered: the buffer is handed
 * over while it is small enough to stay in the CPU caches (the recorder's thread, which needs the
 * GIL, flushes much less often on a busy program). */
#define FLUSH_AT 4096
/* ... or when this many records are buffered (records of futures, callbacks, task ends: nothing else hands them
 * over while the program is busy) */
#define FLUSH_RECS_AT 4096
static PyObject *g_flush_cb, *g_flush_buf;
static int g_in_flush;
static int g_off; /* set by reset() (a forked child, not recorded) and off() (the program has exited) */

static COLD int
steps_grow(void)
{
    Py_ssize_t cap = g_cap ? g_cap * 2 : 4096;
    Step *n = PyMem_RawRealloc(g_steps, (size_t)cap * sizeof(Step));
    if (n == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    g_steps = n;
    g_cap = cap;
    return 0;
}

static inline int
push_step(long long t0, long long tid, long long t1, long long aw, long long cid, long long la)
{
    if (g_off)
        return 0;
    if (g_nsteps == g_cap && steps_grow() < 0)
        return -1;
    Step *s = &g_steps[g_nsteps++];
    s->t0 = t0; s->tid = tid; s->t1 = t1; s->aw = aw; s->cid = cid; s->la = la;
    return 0;
}

/* ---- the record buffer ---------------------------------------------------
 * Records go straight into a C buffer as the items of a marshalled list: what marshal.loads in the writer reads
 * back as the list of record tuples it always got.  No tuple, int or list entry is made and freed per record, and
 * the hand-over writes the buffer as it is.  Items are written without back-references (FLAG_REF), so each one
 * reads the same wherever it stands; what this encoder does not know goes through marshal version 2 (no references
 * either), and what marshal refuses through _life._plain first.  Records the Python side appends to the record
 * list (g_flush_buf) are moved in here, in order, before each record written here and at each hand-over. */

static char *g_rb;             /* the items */
static size_t g_rlen, g_rcap;
static Py_ssize_t g_rn;        /* how many */
static PyObject *g_plain;      /* _life._plain */

static int
rb_grow(size_t n)
{
    size_t cap = g_rcap ? g_rcap : 65536;
    while (cap < g_rlen + n)
        cap *= 2;
    char *b = PyMem_RawRealloc(g_rb, cap);
    if (b == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    g_rb = b;
    g_rcap = cap;
    return 0;
}

static inline int
rb_need(size_t n)
{
    return g_rlen + n <= g_rcap ? 0 : rb_grow(n);
}

static inline void
rb_u32(uint32_t v) /* (room made by the caller) */
{
    char *p = g_rb + g_rlen;
    p[0] = (char)v; p[1] = (char)(v >> 8); p[2] = (char)(v >> 16); p[3] = (char)(v >> 24);
    g_rlen += 4;
}

/* an int as marshal writes it: TYPE_INT when it fits 32 bits, else TYPE_LONG (15-bit digits) */
static inline int
rb_ll(long long v)
{
    if (rb_need(1 + 4 + 2 * 5) < 0)
        return -1;
    if (v >= INT32_MIN && v <= INT32_MAX) {
        g_rb[g_rlen++] = 'i';
        rb_u32((uint32_t)(int32_t)v);
        return 0;
    }
    unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    int n = 0;
    for (unsigned long long x = a; x; x >>= 15)
        n++;
    g_rb[g_rlen++] = 'l';
    rb_u32((uint32_t)(v < 0 ? -n : n));
    for (; a; a >>= 15) {
        g_rb[g_rlen++] = (char)(a & 0xff);
        g_rb[g_rlen++] = (char)((a >> 8) & 0x7f);
    }
    return 0;
}

static inline int
rb_bytes(char type, const char *s, Py_ssize_t n)
{
    if (rb_need(5 + (size_t)n) < 0)
        return -1;
    g_rb[g_rlen++] = type;
    if (type == 'z')
        g_rb[g_rlen++] = (char)n;
    else
        rb_u32((uint32_t)n);
    memcpy(g_rb + g_rlen, s, (size_t)n);
    g_rlen += (size_t)n;
    return 0;
}

/* o written as marshal.loads reads it back; 1: not a value this encoder writes (nothing written), -1: error */
static int
rb_obj(PyObject *o, int depth)
{
    PyTypeObject *t = Py_TYPE(o);
    if (o == Py_None || o == Py_True || o == Py_False) {
        if (rb_need(1) < 0)
            return -1;
        g_rb[g_rlen++] = o == Py_None ? 'N' : o == Py_True ? 'T' : 'F';
        return 0;
    }
    if (t == &PyUnicode_Type) {
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(o) < 0)
            return -1;
#endif
        if (PyUnicode_IS_ASCII(o)) {
            Py_ssize_t n = PyUnicode_GET_LENGTH(o);
            return rb_bytes(n < 256 ? 'z' : 'a', (const char *)PyUnicode_DATA(o), n);
        }
        PyObject *u = PyUnicode_AsEncodedString(o, "utf8", "surrogatepass"); /* (as marshal) */
        if (u == NULL)
            return -1;
        int r = rb_bytes('u', PyBytes_AS_STRING(u), PyBytes_GET_SIZE(u));
        Py_DECREF(u);
        return r;
    }
    if (t == &PyLong_Type) {
#if PY_VERSION_HEX >= 0x030C0000
        if (PyUnstable_Long_IsCompact((PyLongObject *)o))
            return rb_ll(PyUnstable_Long_CompactValue((PyLongObject *)o));
#endif
        int over;
        long long v = PyLong_AsLongLongAndOverflow(o, &over);
        if (over)
            return 1;
        if (v == -1 && PyErr_Occurred())
            return -1;
        return rb_ll(v);
    }
    if (t == &PyTuple_Type || t == &PyList_Type) {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
        if (depth > 8 || n > INT32_MAX)
            return 1;
        size_t at = g_rlen;
        if (rb_need(5) < 0)
            return -1;
        if (t == &PyTuple_Type && n < 256) {
            g_rb[g_rlen++] = ')';
            g_rb[g_rlen++] = (char)n;
        }
        else {
            g_rb[g_rlen++] = t == &PyTuple_Type ? '(' : '[';
            rb_u32((uint32_t)n);
        }
        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(o); i++) {
            int r = rb_obj(PySequence_Fast_GET_ITEM(o, i), depth + 1);
            if (r != 0) {
                g_rlen = at;
                return r;
            }
        }
        if (PySequence_Fast_GET_SIZE(o) != n) { /* (changed meanwhile: not ours to write) */
            g_rlen = at;
            return 1;
        }
        return 0;
    }
#if PY_VERSION_HEX >= 0x030B0000
    if (t == &PyFloat_Type) {
        if (rb_need(9) < 0)
            return -1;
        g_rb[g_rlen++] = 'g';
        if (PyFloat_Pack8(PyFloat_AS_DOUBLE(o), g_rb + g_rlen, 1) < 0)
            return -1;
        g_rlen += 8;
        return 0;
    }
#endif
    if (t == &PyBytes_Type)
        return rb_bytes('s', PyBytes_AS_STRING(o), PyBytes_GET_SIZE(o));
    return 1;
}

/* one item of the record list (a record, or a value of a pure-Python step) */
static int
rb_item(PyObject *o)
{
    int r = rb_obj(o, 0);
    if (r <= 0)
        return r;
    PyObject *data = PyMarshal_WriteObjectToString(o, 2);
    if (data == NULL && g_plain != NULL && PyErr_ExceptionMatches(PyExc_ValueError)) {
        PyErr_Clear();
        PyObject *p = PyObject_CallOneArg(g_plain, o);
        if (p == NULL)
            return -1;
        data = PyMarshal_WriteObjectToString(p, 2);
        Py_DECREF(p);
    }
    if (data == NULL)
        return -1;
    r = rb_need((size_t)PyBytes_GET_SIZE(data));
    if (r == 0) {
        memcpy(g_rb + g_rlen, PyBytes_AS_STRING(data), (size_t)PyBytes_GET_SIZE(data));
        g_rlen += (size_t)PyBytes_GET_SIZE(data);
    }
    Py_DECREF(data);
    return r;
}

/* The Python side's records, moved in (in order: they came before what is written next).  The list is emptied
 * first: _plain (Python) may let another thread hand over meanwhile.  A record that cannot be encoded (no memory) is
 * dropped, as the recorder's trouble. */
static int
rb_take_list(void)
{
    if (g_flush_buf == NULL || PyList_GET_SIZE(g_flush_buf) == 0)
        return 0;
    Py_ssize_t n = PyList_GET_SIZE(g_flush_buf);
    PyObject *items = PyList_GetSlice(g_flush_buf, 0, n);
    if (items == NULL || PyList_SetSlice(g_flush_buf, 0, n, NULL) < 0) {
        Py_XDECREF(items);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (rb_item(PyList_GET_ITEM(items, i)) == 0)
            g_rn++;
        else
            PyErr_Clear();
    }
    Py_DECREF(items);
    return 0;
}

/* A field of a record written here: the object o, or the int v when o is NULL. */
typedef struct { PyObject *o; long long v; } Fld;

/* One record (a tuple of n fields) into the buffer; a field this encoder does not write makes the record a tuple,
 * written as a Python record would be.  0, or -1 on error (nothing written). */
static int
rb_record(const Fld *f, int n)
{
    if (rb_take_list() < 0)
        return -1;
    size_t at = g_rlen;
    if (rb_need(2) < 0)
        return -1;
    g_rb[g_rlen++] = ')';
    g_rb[g_rlen++] = (char)n;
    for (int i = 0; i < n; i++) {
        int r = f[i].o == NULL ? rb_ll(f[i].v) : rb_obj(f[i].o, 1);
        if (r == 0)
            continue;
        g_rlen = at;
        if (r < 0)
            return -1;
        PyObject *tup = PyTuple_New(n);
        if (tup == NULL)
            return -1;
        for (int j = 0; j < n; j++) {
            PyObject *x = f[j].o == NULL ? PyLong_FromLongLong(f[j].v) : Py_NewRef(f[j].o);
            if (x == NULL) {
                Py_DECREF(tup);
                return -1;
            }
            PyTuple_SET_ITEM(tup, j, x);
        }
        r = rb_item(tup);
        Py_DECREF(tup);
        if (r < 0)
            return -1;
        break;
    }
    g_rn++;
    return 0;
}

static void
rb_taken(void)
{
    g_rlen = 0;
    g_rn = 0;
    if (g_rcap > (1 << 22)) { /* a burst: give the memory back */
        PyMem_RawFree(g_rb);
        g_rb = NULL;
        g_rcap = 0;
    }
}

/* The list header of what is buffered, moved in first from the Python side: 5 bytes */
static int
rb_head(unsigned char *h)
{
    if (rb_take_list() < 0)
        return -1;
    h[0] = '[';
    for (int i = 0; i < 4; i++)
        h[1 + i] = (unsigned char)((uint32_t)g_rn >> (8 * i));
    return 0;
}

static COLD void
flush_now(void)
{
    g_in_flush = 1;
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    PyObject *x = PyObject_CallNoArgs(g_flush_cb);
    if (x == NULL)
        PyErr_Clear(); /* (the recorder's trouble, never the program's) */
    else
        Py_DECREF(x);
    PyErr_Restore(et, ev, etb);
    g_in_flush = 0;
}

/* The step that filled the buffer hands it over (see FLUSH_AT). */
static inline void
maybe_flush(void)
{
    if (g_flush_cb != NULL && !g_in_flush
        && (g_nsteps >= FLUSH_AT || g_rn + PyList_GET_SIZE(g_flush_buf) >= FLUSH_RECS_AT))
        flush_now();
}

/* set by setup() */
static PyObject *g_decide;     /* _rec._decide(p, c, la) */
static PyObject *g_deep_site;  /* _rec._deep_site(c) -> (cid, la) */
static PyObject *g_aid;        /* _rec._aid(r) */
static PyObject *g_end;        /* _rec._Coro._end(p, e, t0) */
static PyObject *g_C;          /* _rec._C(code) -> cid */
static PyObject *g_dk_by_code; /* _rec._dk_by_code */
static PyObject *g_coro_type;  /* types.CoroutineType */
static PyTypeObject *g_fut_type; /* _rec.Future */
static PyObject *s_cr_code, *s_cr_frame, *s_cr_await, *s_gi_frame, *s_gi_yieldfrom;
static PyObject *s_throw, *s_send, *s_await, *s_close, *s_f_lasti, *s_al_id;
static PyObject *s_end, *s_ok, *s_name, *s_get_name, *s_None, *g_minus1, *s_callback, *s_qualname, *s_coro;
static PyObject *s_task, *s_cr_suspended, *s_done, *s_source_tb;

static inline long long
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + (long long)ts.tv_nsec;
}

static int
as_ll(PyObject *o, long long *out) /* None -> NONE_ID */
{
    if (o == Py_None) {
        *out = NONE_ID;
        return 0;
    }
    long long v = PyLong_AsLongLong(o);
    if (v == -1 && PyErr_Occurred())
        return -1;
    *out = v;
    return 0;
}

/* ---- attributes read without the generic lookup ------------------------------------------------------ */

/* An attribute that a type with the generic __getattribute__ has as a data descriptor (a getset, or a member
 * whose reads are not audited): its getter is called directly, which is what PyObject_GetAttr ends up calling
 * (data descriptors come before the instance's dict), without the lookups on the way (about 175 instructions
 * a read on 3.14: a step's await site reads an attribute per coroutine of its chain).  For the first type
 * seen; another type takes PyObject_GetAttr.  A getset's read is inlined where it is made (a compare and the
 * getter's call). */
typedef struct {
    PyObject **name;
    PyTypeObject *type;
    getter get;
    void *closure;
    PyMemberDef *member;
    int tried;
} FastAttr;

static PyObject *fast_attr_slow(FastAttr *a, PyObject *o);

static inline PyObject *
fast_attr(FastAttr *a, PyObject *o)
{
    if (Py_TYPE(o) == a->type && a->get != NULL)
        return a->get(o, a->closure);
    return fast_attr_slow(a, o);
}

static PyObject *
fast_attr_slow(FastAttr *a, PyObject *o)
{
    PyTypeObject *t = Py_TYPE(o);
    if (t == a->type)
        return a->get != NULL ? a->get(o, a->closure) : PyMember_GetOne((const char *)o, a->member);
    if (!a->tried && t->tp_getattro == PyObject_GenericGetAttr) {
        a->tried = 1;
        PyObject *d = PyObject_GetAttr((PyObject *)t, *a->name);
        if (d == NULL) {
            PyErr_Clear();
        }
        else {
            if (Py_TYPE(d) == &PyGetSetDescr_Type && ((PyGetSetDescrObject *)d)->d_getset->get != NULL) {
                a->get = ((PyGetSetDescrObject *)d)->d_getset->get;
                a->closure = ((PyGetSetDescrObject *)d)->d_getset->closure;
                a->type = (PyTypeObject *)Py_NewRef(t);
            }
            else if (Py_TYPE(d) == &PyMemberDescr_Type && !(((PyMemberDescrObject *)d)->d_member->flags & READ_RESTRICTED)) {
                a->member = ((PyMemberDescrObject *)d)->d_member;
                a->type = (PyTypeObject *)Py_NewRef(t);
            }
            Py_DECREF(d); /* (the type keeps its descriptor, and a->type keeps the type) */
            if (a->type == t)
                return fast_attr_slow(a, o);
        }
    }
    return PyObject_GetAttr(o, *a->name);
}

static FastAttr a_cr_code = {&s_cr_code}, a_cr_frame = {&s_cr_frame}, a_cr_await = {&s_cr_await};
static FastAttr a_gi_frame = {&s_gi_frame}, a_gi_yieldfrom = {&s_gi_yieldfrom};

/* The code of x, a coroutine or generator (exact types), as a new reference: read without the cr_code/gi_code
 * getter, which is audited on 3.11+ (an object.__getattr__ event: ~80 instructions a read on 3.14, and the
 * program's audit hooks would see the recorder's reads).  A deep step's site walk reads one per coroutine. */
static inline PyObject *
gen_code(PyObject *x)
{
#if PY_VERSION_HEX >= 0x030C0000
    return (PyObject *)PyGen_GetCode((PyGenObject *)x);
#else
    return Py_NewRef((PyObject *)((PyGenObject *)x)->gi_code);
#endif
}
static FastAttr a_callback = {&s_callback}, a_al_id = {&s_al_id};
static FastAttr a_coro = {&s_coro}, a_source_tb = {&s_source_tb};

/* ---- the proxy ---------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *c;     /* _c: the coroutine */
    PyObject *id;    /* _id: task id (int) */
    long long t0;    /* _t0: start of the current/last step */
    PyObject *task;  /* _task: weakref to the task */
    PyObject *name;  /* _name */
    PyObject *cid;   /* _cid: id of the coroutine's code */
    PyObject *dk;    /* _dk: {lasti: deeper?} of that code */
    long long tid_v, cid_v;
    long long last_la; /* offset of the last suspension, and its _dk value (-1: none yet) */
    int last_deep;
    PyObject *frame; /* borrowed: the coroutine's frame object, once read (see coro_lasti) */
} Proxy;

static PyTypeObject ProxyType;

/* The cid of a code object (_rec._C: sent to the writer once) and its {lasti: deeper?} dict (_rec._dk_by_code), new
 * references.  A code in _dk_by_code was registered already (its cid is its id): no call into Python. */
static PyObject *g_cs_code, *g_cs_cid, *g_cs_dk; /* the last code's (tasks come in runs of one coroutine function) */

static int
code_state(PyObject *code, PyObject **pcid, long long *pcid_v, PyObject **pdk)
{
    if (code == g_cs_code && code != NULL) { /* (held here: its id is still its own) */
        *pcid = Py_NewRef(g_cs_cid);
        *pdk = Py_NewRef(g_cs_dk);
        return as_ll(g_cs_cid, pcid_v);
    }
    PyObject *cid = PyLong_FromVoidPtr(code);
    PyObject *dk = cid == NULL ? NULL : PyDict_GetItemWithError(g_dk_by_code, cid);
    if (dk == NULL && !PyErr_Occurred())
        Py_XSETREF(cid, PyObject_CallOneArg(g_C, code));
    if (cid == NULL || PyErr_Occurred() || as_ll(cid, pcid_v) < 0)
        goto fail;
    if (dk == NULL) {
        dk = PyDict_GetItemWithError(g_dk_by_code, cid);
        if (dk == NULL && PyErr_Occurred())
            goto fail;
    }
    if (dk == NULL) {
        dk = PyDict_New();
        if (dk == NULL || PyDict_SetItem(g_dk_by_code, cid, dk) < 0) {
            Py_XDECREF(dk);
            goto fail;
        }
    }
    else {
        Py_INCREF(dk);
    }
    *pcid = cid;
    *pdk = dk;
    Py_XSETREF(g_cs_code, Py_NewRef(code));
    Py_XSETREF(g_cs_cid, Py_NewRef(cid));
    Py_XSETREF(g_cs_dk, Py_NewRef(dk));
    return 0;
fail:
    Py_XDECREF(cid);
    return -1;
}

static PyObject *
proxy_make(PyTypeObject *type, PyObject *c, PyObject *i)
{
    if (g_C == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "async_lanes._speedups: setup() not called");
        return NULL;
    }
    Proxy *self = (Proxy *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->c = Py_NewRef(c);
    self->id = Py_NewRef(i);
    self->task = Py_NewRef(Py_None);
    self->name = Py_NewRef(Py_None);
    self->last_la = -2;
    if (as_ll(i, &self->tid_v) < 0)
        goto fail;
    PyObject *code = PyCoro_CheckExact(c) ? gen_code(c) : PyObject_GetAttr(c, s_cr_code);
    if (code == NULL)
        goto fail;
    int bad = code_state(code, &self->cid, &self->cid_v, &self->dk);
    Py_DECREF(code);
    if (bad < 0)
        goto fail;
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

static PyObject *
proxy_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *c, *i;
    if (!PyArg_ParseTuple(args, "OO:_Coro", &c, &i))
        return NULL;
    return proxy_make(type, c, i);
}

static int
proxy_traverse(Proxy *self, visitproc visit, void *arg)
{
    Py_VISIT(self->c);
    Py_VISIT(self->id);
    Py_VISIT(self->task);
    Py_VISIT(self->name);
    Py_VISIT(self->cid);
    Py_VISIT(self->dk);
    return 0;
}

static int
proxy_clear(Proxy *self)
{
    Py_CLEAR(self->c);
    Py_CLEAR(self->id);
    Py_CLEAR(self->task);
    Py_CLEAR(self->name);
    Py_CLEAR(self->cid);
    Py_CLEAR(self->dk);
    return 0;
}

static void
proxy_dealloc(Proxy *self)
{
    PyObject_GC_UnTrack(self);
    proxy_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* f.f_lasti, or -1 with an exception set.  Before 3.11, read from the frame's struct (what its f_lasti attribute
 * gives) rather than by a generic attribute lookup per step. */
static long long
frame_lasti(PyObject *f)
{
#if PY_VERSION_HEX >= 0x030B0000
    if (PyFrame_Check(f))
        return PyFrame_GetLasti((PyFrameObject *)f);
#elif PY_VERSION_HEX >= 0x030A0000
    if (PyFrame_Check(f)) { /* (f_lasti counts code units there) */
        int i = ((PyFrameObject *)f)->f_lasti;
        return i < 0 ? -1 : i * (long long)sizeof(_Py_CODEUNIT);
    }
#else
    if (PyFrame_Check(f))
        return ((PyFrameObject *)f)->f_lasti;
#endif
    PyObject *la = PyObject_GetAttr(f, s_f_lasti);
    if (la == NULL)
        return -1;
    long long v = PyLong_AsLongLong(la);
    Py_DECREF(la);
    return v;
}

/* c.cr_frame.f_lasti (what the Python proxy reads) after c yielded, or -1 with an exception set.
 * cr_frame is read once (a generic attribute lookup, audited on 3.12+: about half of the
 * recorder's own cost per step there): the frame object stays the same, owned by the
 * coroutine, for as long as the coroutine can yield (its frame is cleared, and the frame object
 * released, only when the coroutine ends or is closed, after which it never yields again).  So
 * a borrowed reference, used only right after a yield, is valid; holding none keeps the frame's
 * life (and its locals') what it is without the recorder. */
static long long
coro_lasti(Proxy *self, PyObject *c)
{
    PyObject *f = self->frame;
    if (f != NULL) {
        Py_INCREF(f);
    }
    else {
        f = PyObject_GetAttr(c, s_cr_frame);
        if (f == NULL)
            return -1;
        if (PyCoro_CheckExact(c) && f != Py_None)
            self->frame = f;
    }
    long long v = frame_lasti(f);
    Py_DECREF(f);
    return v;
}

/* ---- the await site of a step that went deeper: _rec._deep_site, in C ---------------------------------- */

static PyObject *g_lib;      /* _sites._lib: id(code) -> library code (True/False, or g_stop) */
static PyObject *g_classify; /* _sites._classify(code) -> the same, recorded in _lib */
static PyObject *g_stop;     /* _sites._STOP */
static PyObject *g_codes;      /* _rec._codes: cid -> code, the codes sent to the writer */
static PyObject *g_reg;        /* _rec._reg(code) -> cid: sends one */
static PyObject *g_wrap_types; /* tuple: asend/athrow/coroutine_wrapper types (_rec._WRAP_TYPES) */
static PyObject *g_task_bases; /* tuple: the task classes (_rec._TaskBases) */

/* What the site walk knows of a code, cached by the code's address: _classify keeps every code it saw alive
 * (_lib_keep), so an address is never reused for another code.  Open addressing, grown at half full. */
#define LA_UNASKED (-3) /* whether the code can suspend at one place only: not asked yet */
#define LA_MANY (-2)    /* it can suspend at several */
#define LA_ONE (-1)     /* at one, not seen yet */
typedef struct {
    void *co;
    signed char lib; /* library code (the loop's boundaries included) */
    signed char stop; /* one of the loop's boundaries (_STOP) */
    signed char sent; /* in _codes (sent to the writer) */
    PyObject *kind;  /* what a future made in this code stands for (_rec._kind_of), once asked */
    PyObject *via;   /* what resolves a future in a callback of this code (_rec._via_of), once asked */
    long long la;    /* LA_*, or the one offset where a coroutine of this code waits */
} CodeSlot;
static CodeSlot *g_codec;
static size_t g_codec_cap, g_codec_n;
static PyObject *g_one_susp; /* _rec._one_suspension(code) -> bool */

static CodeSlot *
codec_find(void *co)
{
    if (g_codec_cap == 0)
        return NULL;
    size_t h = ((size_t)co >> 4) & (g_codec_cap - 1);
    while (g_codec[h].co != NULL) {
        if (g_codec[h].co == co)
            return &g_codec[h];
        h = (h + 1) & (g_codec_cap - 1);
    }
    return NULL;
}

static CodeSlot *
codec_add(void *co, int lib, int stop)
{
    if ((g_codec_n + 1) * 2 > g_codec_cap) {
        size_t cap = g_codec_cap ? g_codec_cap * 2 : 256;
        CodeSlot *n = PyMem_RawCalloc(cap, sizeof(CodeSlot));
        if (n == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        for (size_t i = 0; i < g_codec_cap; i++) {
            if (g_codec[i].co == NULL)
                continue;
            size_t h = ((size_t)g_codec[i].co >> 4) & (cap - 1);
            while (n[h].co != NULL)
                h = (h + 1) & (cap - 1);
            n[h] = g_codec[i];
        }
        PyMem_RawFree(g_codec);
        g_codec = n;
        g_codec_cap = cap;
    }
    size_t h = ((size_t)co >> 4) & (g_codec_cap - 1);
    while (g_codec[h].co != NULL)
        h = (h + 1) & (g_codec_cap - 1);
    CodeSlot *e = &g_codec[h];
    e->co = co;
    e->lib = (signed char)lib;
    e->stop = (signed char)stop;
    e->sent = 0;
    e->kind = NULL;
    e->via = NULL;
    e->la = LA_UNASKED;
    g_codec_n++;
    return e;
}

/* The code's slot (classified as _sites._is_lib does), or NULL on error.  Valid until the next codec_add. */
static CodeSlot *
code_slot(PyObject *co)
{
    CodeSlot *e = codec_find(co);
    if (e != NULL)
        return e;
    PyObject *key = PyLong_FromVoidPtr(co);
    if (key == NULL)
        return NULL;
    PyObject *r = Py_XNewRef(PyDict_GetItemWithError(g_lib, key));
    Py_DECREF(key);
    if (r == NULL && !PyErr_Occurred())
        r = PyObject_CallOneArg(g_classify, co);
    if (r == NULL)
        return NULL;
    int stop = r == g_stop || (PyLong_CheckExact(r) && PyObject_RichCompareBool(r, g_stop, Py_EQ) == 1);
    int lib = stop || PyObject_IsTrue(r);
    Py_DECREF(r);
    return lib < 0 ? NULL : codec_add(co, lib, stop);
}

/* Whether code co is registered (sent to the writer, kept alive by _codes: its id stays its own); registered now if
 * not.  Known from its code slot when it has one, else from the last one asked (callbacks and creation sites come in
 * runs of the same code).  0, or -1. */
static PyObject *g_known_code;

static int
code_known(PyObject *co)
{
    CodeSlot *e = codec_find(co);
    if (e != NULL && e->sent)
        return 0;
    if (co == g_known_code) {
        if (e != NULL)
            e->sent = 1;
        return 0;
    }
    PyObject *cid = PyLong_FromVoidPtr(co);
    if (cid == NULL)
        return -1;
    int known = PyDict_Contains(g_codes, cid);
    Py_DECREF(cid);
    if (known < 0)
        return -1;
    if (!known) {
        PyObject *r = PyObject_CallOneArg(g_reg, co);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
    }
    Py_XSETREF(g_known_code, Py_NewRef(co));
    if ((e = codec_find(co)) != NULL) /* (again: _reg may have added slots) */
        e->sent = 1;
    return 0;
}

/* (code, f_lasti) of the frame of coroutine or generator x into *cid, *la: 1, 0 when it has no frame, -1 on
 * error.  The code is sent to the writer the first time, as _sites._C does. */
static int
frame_site(PyObject *x, long long *cid, long long *la)
{
    PyObject *f = fast_attr(PyCoro_CheckExact(x) ? &a_cr_frame : &a_gi_frame, x);
    if (f == NULL)
        return -1;
    if (!PyFrame_Check(f)) {
        Py_DECREF(f);
        return 0;
    }
    PyCodeObject *co = PyFrame_GetCode((PyFrameObject *)f);
    *la = frame_lasti(f);
    Py_DECREF(f);
    int bad = (*la == -1 && PyErr_Occurred()) || code_slot((PyObject *)co) == NULL || code_known((PyObject *)co) < 0;
    *cid = (long long)(Py_intptr_t)co;
    Py_DECREF(co);
    return bad ? -1 : 1;
}

/* deep_site_c's answer is program coroutine prog, of code co, whose offset is not known from its code alone:
 * whether its code can wait at one place only is asked once (then that place is kept), and its frame read. */
static COLD int
deep_site_slow(PyObject *prog, PyObject *co, long long *cid, long long *la)
{
    Py_INCREF(co);
    int rc = -1, one;
    CodeSlot *e = code_slot(co);
    if (e == NULL)
        goto done;
    one = e->la == LA_ONE;
    if (e->la == LA_UNASKED) {
        PyObject *r = PyObject_CallOneArg(g_one_susp, co);
        one = r == NULL ? -1 : PyObject_IsTrue(r);
        Py_XDECREF(r);
        if (one < 0 || (e = codec_find(co)) == NULL)
            goto done;
        e->la = one ? LA_ONE : LA_MANY;
    }
    rc = frame_site(prog, cid, la);
    if (rc > 0 && one && (e = codec_find(co)) != NULL)
        e->la = *la;
done:
    Py_DECREF(co);
    return rc;
}

/* What _rec._deep_site(c) returns, as *cid and *la: the innermost program frame of c's await chain, else the
 * innermost library one, else c's own.  Returns 1, 0 when the chain holds what only the Python walk follows (an
 * async generator's asend/athrow, a coroutine_wrapper, a coroutine without a frame, a chain longer than CHAIN_MAX),
 * or -1 on error.  The chain is walked to its end first, then classified from the inside out up to the first
 * program coroutine: a handler calling a service calling a client classifies the client and the library below it,
 * not every layer.  Only the answer's frame is read, and not even that when its code can suspend at one place only:
 * reading a coroutine's frame makes a frame object, and a chain of fresh coroutines would make one per coroutine
 * per step. */
#define CHAIN_MAX 64
static int
deep_site_c(PyObject *c, long long *cid, long long *la)
{
    if (g_lib == NULL || g_codes == NULL || g_one_susp == NULL)
        return 0;
    PyObject *chain[CHAIN_MAX]; /* c's await chain, outermost first (held) */
    int n = 0, rc = -1;
    PyObject *a = fast_attr(&a_cr_await, c);
    if (a == NULL)
        return -1;
    while (a != Py_None) {
        int coro = PyCoro_CheckExact(a);
        if (!coro && !PyGen_CheckExact(a)) {
            int wrap = PySequence_Contains(g_wrap_types, (PyObject *)Py_TYPE(a));
            Py_DECREF(a);
            if (wrap != 0) {
                rc = wrap < 0 ? -1 : 0;
                goto done;
            }
            a = NULL;
            break;
        }
        if (n == CHAIN_MAX) {
            Py_DECREF(a);
            rc = 0;
            goto done;
        }
        chain[n++] = a;
        a = fast_attr(coro ? &a_cr_await : &a_gi_yieldfrom, a);
        if (a == NULL)
            goto done;
    }
    Py_XDECREF(a);
    PyObject *prog = NULL, *prog_co = NULL, *last = NULL; /* (borrowed: held by chain, or c; prog holds prog_co) */
    CodeSlot *e;
    for (int i = n - 1; i >= 0 && prog == NULL; i--) {
        PyObject *co = gen_code(chain[i]);
        e = code_slot(co);
        Py_DECREF(co);
        if (e == NULL)
            goto done;
        if (!e->lib) {
            prog = chain[i];
            prog_co = co;
        }
        else if (last == NULL) {
            last = chain[i];
        }
    }
    PyObject *c_co = NULL; /* (held, when c's code is asked) */
    if (prog == NULL) {
        c_co = PyCoro_CheckExact(c) ? gen_code(c) : fast_attr(&a_cr_code, c);
        if (c_co == NULL || (e = code_slot(c_co)) == NULL) {
            Py_XDECREF(c_co);
            goto done;
        }
        if (!e->lib) {
            prog = c;
            prog_co = c_co;
        }
    }
    if (prog != NULL) {
        if ((e = codec_find(prog_co)) != NULL && e->la >= 0 && e->sent) {
            *cid = (long long)(Py_intptr_t)prog_co;
            *la = e->la;
            rc = 1;
        }
        else {
            rc = deep_site_slow(prog, prog_co, cid, la); /* (0, no frame: the Python walk, which stops above it) */
        }
    }
    else {
        rc = last == NULL ? 0 : frame_site(last, cid, la);
        if (rc == 0)
            rc = frame_site(c, cid, la);
    }
    Py_XDECREF(c_co);
done:
    while (n > 0)
        Py_DECREF(chain[--n]);
    return rc;
}

/* the site of a step whose await went deeper: in C, else by _rec._deep_site.  0, or -1 on error. */
static int
deep_site(PyObject *c, long long *cid, long long *la)
{
    int r = deep_site_c(c, cid, la);
    if (r != 0)
        return r < 0 ? -1 : 0;
    PyObject *site = PyObject_CallOneArg(g_deep_site, c);
    if (site == NULL)
        return -1;
    int bad = !PyTuple_Check(site) || PyTuple_GET_SIZE(site) != 2 || as_ll(PyTuple_GET_ITEM(site, 0), cid) < 0
              || as_ll(PyTuple_GET_ITEM(site, 1), la) < 0;
    Py_DECREF(site);
    if (bad && !PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "async_lanes: bad deep site");
    return bad ? -1 : 0;
}

/* _Coro._end(self, e, t0), with e as the exception being handled (as in the Python proxy's
 * except clause).  Returns 0, or -1 with an exception set if _end itself failed. */
static int
call_end(Proxy *self, PyObject *e, long long t0)
{
    PyObject *ot, *ov, *otb;
    PyErr_GetExcInfo(&ot, &ov, &otb);
    PyErr_SetExcInfo(Py_NewRef((PyObject *)Py_TYPE(e)), Py_NewRef(e), PyException_GetTraceback(e));
    PyObject *t0o = PyLong_FromLongLong(t0);
    PyObject *res = NULL;
    if (t0o != NULL) {
        PyObject *args[3] = {(PyObject *)self, e, t0o};
        res = PyObject_Vectorcall(g_end, args, 3, NULL);
        Py_DECREF(t0o);
    }
    PyErr_SetExcInfo(ot, ov, otb);
    if (res == NULL)
        return -1;
    Py_DECREF(res);
    return 0;
}

static PyObject *
fetch_exc(void) /* the raised exception, normalized, traceback attached */
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (v == NULL) {
        Py_XDECREF(t);
        Py_XDECREF(tb);
        return NULL;
    }
    if (tb != NULL) {
        PyException_SetTraceback(v, tb);
        Py_DECREF(tb);
    }
    Py_XDECREF(t);
    return v;
#endif
}

static void
restore_exc(PyObject *e) /* steals e */
{
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(e);
#else
    PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(e)), e, PyException_GetTraceback(e));
#endif
}

static PySendResult
step_error(Proxy *self, long long t0)
{
    PyObject *e = fetch_exc();
    if (e == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_SystemError, "async_lanes: lost exception");
        return PYGEN_ERROR;
    }
    if (call_end(self, e, t0) < 0) {
        Py_DECREF(e);
        return PYGEN_ERROR;
    }
    restore_exc(e);
    return PYGEN_ERROR;
}

/* Whether the await at offset la of coroutine c goes deeper than c (owner's code's {offset: deeper?} dict dk, else
 * _rec._decide(owner, c, la); owner: a proxy or a _TS): 0, 1, or -1 on error. */
static COLD int
deep_at(PyObject *owner, PyObject *dk, PyObject *c, long long la)
{
    PyObject *lao = PyLong_FromLongLong(la);
    if (lao == NULL)
        return -1;
    int deep;
    PyObject *d = PyDict_Check(dk) ? PyDict_GetItemWithError(dk, lao) : NULL;
    if (d != NULL) {
        deep = PyObject_IsTrue(d);
    }
    else if (PyErr_Occurred()) {
        deep = -1;
    }
    else {
        PyObject *args[3] = {owner, c, lao};
        PyObject *dd = PyObject_Vectorcall(g_decide, args, 3, NULL);
        deep = dd == NULL ? -1 : PyObject_IsTrue(dd);
        Py_XDECREF(dd);
    }
    Py_DECREF(lao);
    return deep;
}

/* deep_at for the proxy's coroutine c, kept as the last one's */
static COLD int
proxy_deep_at(Proxy *self, PyObject *c, long long la)
{
    int deep = deep_at((PyObject *)self, self->dk, c, la);
    if (deep >= 0) {
        self->last_la = la;
        self->last_deep = deep;
    }
    return deep;
}

/* The coroutine yielded r (a new reference): record the step.  Returns r, or NULL (r released). */
static PyObject *
step_yielded(Proxy *self, PyObject *c, long long t0, PyObject *r)
{
    long long t1 = now_ns();
    long long la = coro_lasti(self, c);
    if (la == -1 && PyErr_Occurred())
        goto error;
    int deep = la == self->last_la ? self->last_deep : proxy_deep_at(self, c, la);
    if (deep < 0)
        goto error;
    long long cid = self->cid_v;
    if (deep && deep_site(c, &cid, &la) < 0)
        goto error;
    long long aw = NONE_ID;
    if (r != Py_None) {
        PyObject *a = NULL;
        if (Py_TYPE(r) == g_fut_type) {
            a = fast_attr(&a_al_id, r);
            if (a == NULL)
                PyErr_Clear();
        }
        if (a == NULL) {
            a = PyObject_CallOneArg(g_aid, r);
            if (a == NULL)
                goto error;
        }
        int bad = as_ll(a, &aw);
        Py_DECREF(a);
        if (bad < 0)
            goto error;
    }
    if (push_step(t0, self->tid_v, t1, aw, cid, la) < 0)
        goto error;
    maybe_flush();
    return r;
error:
    Py_DECREF(r);
    return NULL;
}

/* The wrapped coroutine (borrowed), or NULL with AttributeError once it is gone. */
static PyObject *
proxy_coro(Proxy *self)
{
    if (self->c == NULL)
        PyErr_SetString(PyExc_AttributeError, "_c");
    return self->c;
}

/* ---- a task's name ------------------------------------------------------------------------------------
 * 3.13+: a task made without a name holds the number N of its default name `Task-N` (asyncio's counter, an int) until
 * get_name() is first called, which formats the string and keeps it instead.  Recording the name used to call
 * get_name() for every task, and again at its end.  The C Task's name field is read instead: its offset is the word
 * after the task's coroutine (TaskObj in Modules/_asynciomodule.c, 3.9-3.15), found once and checked against
 * get_name() on the first task (the one exception to "public API only"; when the check fails, get_name() is called as
 * before).  A recorded name is that int (the writer writes N, as for the string `Task-N`) or the str; the name is the
 * same while the field holds the same object (set_name stores a str it is given, or makes one). */
#if PY_VERSION_HEX < 0x03100000 && !defined(Py_GIL_DISABLED)
#define NAME_FIELD 1
static Py_ssize_t g_name_off; /* 0: not known yet, -1: not used */
static PyTypeObject *g_ctask_type; /* _asyncio.Task (exactly: a subclass may have its own get_name) */

/* the name field of a C Task, or NULL when it is not read */
static inline PyObject *
name_field(PyObject *task)
{
    if (g_name_off <= 0 || Py_TYPE(task) != g_ctask_type)
        return NULL;
    return *(PyObject **)((char *)task + g_name_off);
}
#endif

/* A recorded name as a str (a new reference): an int N is `Task-N`. */
static PyObject *
name_str(PyObject *name)
{
    if (PyLong_CheckExact(name))
        return PyUnicode_FromFormat("Task-%S", name);
    return Py_NewRef(name);
}

/* Whether the task's name is no longer `recorded` (a recorded name): 1 with *out its name (a new reference), else 0
 * (also when get_name() fails: no name record, as in Python). */
static int
name_changed(PyObject *task, PyObject *recorded, PyObject **out)
{
    *out = NULL;
#ifdef NAME_FIELD
    PyObject *v = name_field(task);
    if (v != NULL && v == recorded)
        return 0; /* (the same object: set_name stores the str it is given; the int until get_name() is called) */
#endif
    PyObject *name = PyObject_CallMethodNoArgs(task, s_get_name), *rs = NULL;
    int ne = name == NULL || (rs = name_str(recorded)) == NULL ? -1 : PyObject_RichCompareBool(name, rs, Py_NE);
    Py_XDECREF(rs);
    if (ne <= 0) {
        PyErr_Clear();
        Py_XDECREF(name);
        return 0;
    }
    *out = name;
    return 1;
}

/* A task's coroutine returned r: its last step (t0..t1; t1 0: now), `end` and, when its name is no longer *pname,
 * `name` records, as _Coro._end (3.14+: _rec._task_end) writes them, when that is simple: r None, an int that fits
 * 64 bits or a str whose repr is at most 200 characters; the name a str.  No StopIteration made and no call into
 * Python, once per task.  1: recorded, 0: not simple (nothing done: Python records it), -1: error. */
static int
end_ok_fast(PyObject *task, PyObject **pname, PyObject *id, long long tid_v, PyObject *cid, long long cid_v,
            PyObject *r, long long t0, long long t1)
{
    if (g_off || g_flush_buf == NULL)
        return 0;
    PyObject *text, *name = NULL;
    if (r == Py_None) {
        text = Py_NewRef(s_None);
    }
    else if (PyLong_CheckExact(r) || (PyUnicode_CheckExact(r) && PyUnicode_GET_LENGTH(r) <= 210)) {
        if (PyLong_CheckExact(r)) {
            int over;
            PyLong_AsLongLongAndOverflow(r, &over);
            if (over || PyErr_Occurred()) {
                PyErr_Clear();
                return 0;
            }
        }
        text = PyObject_Repr(r);
        if (text == NULL)
            return -1;
        if (PyUnicode_GET_LENGTH(text) > 200) {
            Py_DECREF(text);
            return 0;
        }
    }
    else {
        return 0;
    }
    int rc = 0, changed = 0;
    if (task != NULL && task != Py_None) {
        changed = name_changed(task, *pname, &name);
        if (changed && !PyUnicode_CheckExact(name))
            goto done; /* (its bounded repr: Python) */
    }
    if (t1 == 0)
        t1 = now_ns();
    if (push_step(t0, tid_v, t1, NONE_ID, cid_v, -1) < 0)
        goto fail;
    Fld end[7] = {{s_end}, {NULL, t1}, {id}, {s_ok}, {text}, {cid}, {g_minus1}};
    if (rb_record(end, 7) < 0)
        goto fail;
    if (changed) {
        Py_SETREF(*pname, Py_NewRef(name));
        Fld nm[4] = {{s_name}, {NULL, t1}, {id}, {name}};
        if (rb_record(nm, 4) < 0)
            goto fail;
    }
    rc = 1;
    maybe_flush();
    goto done;
fail:
    rc = -1;
done:
    Py_DECREF(text);
    Py_XDECREF(name);
    return rc;
}

/* The proxy's coroutine returned r (see end_ok_fast). */
static int
proxy_end_fast(Proxy *self, PyObject *r, long long t0)
{
    PyObject *task = NULL;
    if (PyWeakref_CheckRef(self->task)) {
#if PY_VERSION_HEX >= 0x030D0000
        if (PyWeakref_GetRef(self->task, &task) < 0)
            return -1;
#else
        task = Py_XNewRef(PyWeakref_GetObject(self->task));
#endif
    }
    int rc = end_ok_fast(task, &self->name, self->id, self->tid_v, self->cid, self->cid_v, r, t0, 0);
    Py_XDECREF(task);
    return rc;
}

/* One step: send arg (throw_args == NULL) or throw(*throw_args).
 * want_exc: a return raises StopIteration (send()/__next__) instead of PYGEN_RETURN (am_send).
 * calls: how many more calls than plain the task made to get here (1: its call of our send() or throw() method,
 * where plain it sends to a coroutine with _PyGen_Send (3.10+: am_send, ours too) and calls its throw() as we do):
 * the step's frames nest as deep as plain when they are not counted while it runs (3.12+: C calls do not count
 * against the recursion limit). */
#if PY_VERSION_HEX < 0x030B0000
#define UNCOUNT(ts, n) ((ts)->recursion_depth -= (n))
#define RECOUNT(ts, n) ((ts)->recursion_depth += (n))
#elif PY_VERSION_HEX < 0x030C0000
#define UNCOUNT(ts, n) ((ts)->recursion_remaining += (n))
#define RECOUNT(ts, n) ((ts)->recursion_remaining -= (n))
#else
#define UNCOUNT(ts, n) ((void)(ts), (void)(n))
#define RECOUNT(ts, n) ((void)(ts), (void)(n))
#endif
static PySendResult
proxy_step(Proxy *self, PyObject *arg, PyObject *throw_args, int want_exc, PyObject **presult, int calls)
{
    *presult = NULL;
    PyObject *c = proxy_coro(self);
    if (c == NULL)
        return PYGEN_ERROR;
    Py_INCREF(c);
    long long t0 = now_ns();
    self->t0 = t0;
    PyObject *r;
    PySendResult st;
    if (throw_args != NULL) {
        PyObject *m = PyObject_GetAttr(c, s_throw);
        PyThreadState *ts = PyThreadState_GET();
        UNCOUNT(ts, calls);
        r = m ? PyObject_Call(m, throw_args, NULL) : NULL;
        RECOUNT(ts, calls);
        Py_XDECREF(m);
        st = r ? PYGEN_NEXT : PYGEN_ERROR;
    }
    else {
#if PY_VERSION_HEX >= 0x030A0000
        st = PyIter_Send(c, arg, &r);
#else
        PyThreadState *ts = PyThreadState_GET();
        if (PyCoro_CheckExact(c) || PyGen_CheckExact(c)) {
            UNCOUNT(ts, calls);
            r = _PyGen_Send((PyGenObject *)c, arg);
        }
        else { /* (its send() method: one more call) */
            calls++;
            UNCOUNT(ts, calls);
            r = PyObject_CallMethodOneArg(c, s_send, arg);
        }
        RECOUNT(ts, calls);
        st = r ? PYGEN_NEXT : PYGEN_ERROR;
#endif
    }
    if (st == PYGEN_NEXT) {
        *presult = step_yielded(self, c, t0, r);
        Py_DECREF(c);
        return *presult ? PYGEN_NEXT : PYGEN_ERROR;
    }
    if (st == PYGEN_ERROR) {
        st = step_error(self, t0);
        Py_DECREF(c);
        return st;
    }
    /* returned r: the end is recorded with the StopIteration the Python proxy would see (or see end_ok_fast) */
    int fast = want_exc ? 0 : proxy_end_fast(self, r, t0);
    if (fast != 0) {
        if (fast < 0)
            PyErr_Clear(); /* (the recorder's trouble, never the program's: this end is not recorded) */
        Py_DECREF(c);
        *presult = r;
        return PYGEN_RETURN;
    }
    PyObject *e = PyObject_CallOneArg(PyExc_StopIteration, r);
    if (e == NULL) {
        Py_DECREF(r);
        Py_DECREF(c);
        return PYGEN_ERROR;
    }
    if (call_end(self, e, t0) < 0) {
        Py_DECREF(e);
        Py_DECREF(r);
        Py_DECREF(c);
        return PYGEN_ERROR;
    }
    Py_DECREF(c);
    if (want_exc) {
        Py_DECREF(r);
        restore_exc(e);
        return PYGEN_ERROR;
    }
    Py_DECREF(e);
    *presult = r;
    return PYGEN_RETURN;
}

#if PY_VERSION_HEX >= 0x030A0000
static PySendResult
proxy_am_send(Proxy *self, PyObject *arg, PyObject **presult)
{
    return proxy_step(self, arg, NULL, 0, presult, 0);
}
#endif

static PyObject *
proxy_send(Proxy *self, PyObject *arg)
{
    PyObject *r;
    proxy_step(self, arg, NULL, 1, &r, 1);
    return r;
}

static PyObject *
proxy_iternext(Proxy *self)
{
    PyObject *r;
    proxy_step(self, Py_None, NULL, 1, &r, 0);
    return r;
}

static PyObject *
proxy_throw(Proxy *self, PyObject *args)
{
    PyObject *r;
    proxy_step(self, NULL, args, 1, &r, 1);
    return r;
}

static PyObject *
proxy_close(Proxy *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *c = proxy_coro(self);
    return c == NULL ? NULL : PyObject_CallMethodObjArgs(c, s_close, NULL);
}

static PyObject *
proxy_await(Proxy *self)
{
    PyObject *c = proxy_coro(self);
    return c == NULL ? NULL : PyObject_CallMethodObjArgs(c, s_await, NULL);
}

static PyObject *
proxy_repr(Proxy *self)
{
    PyObject *c = proxy_coro(self);
    return c == NULL ? NULL : PyObject_Repr(c);
}

static PyObject *
get_class(Proxy *self, void *closure)
{
    /* isinstance(task.get_coro(), types.CoroutineType) stays true (type() is unchanged) */
    return Py_NewRef(g_coro_type);
}

static PyObject *
get_forwarded(Proxy *self, void *closure)
{
    PyObject *c = proxy_coro(self);
    return c == NULL ? NULL : PyObject_GetAttrString(c, (const char *)closure);
}

#define FWD(n) {n, (getter)get_forwarded, NULL, "forwarded to the coroutine", n}
static PyObject *
proxy_get_name(Proxy *self, void *closure)
{
    return name_str(self->name);
}

static int
proxy_set_name(Proxy *self, PyObject *v, void *closure)
{
    if (v == NULL) {
        PyErr_SetString(PyExc_AttributeError, "_name cannot be deleted");
        return -1;
    }
    Py_SETREF(self->name, Py_NewRef(v));
    return 0;
}

static PyGetSetDef proxy_getset[] = {
    {"_name", (getter)proxy_get_name, (setter)proxy_set_name, "the recorded name (see task_name)", NULL},
    {"__class__", (getter)get_class, NULL, NULL, NULL},
    FWD("cr_frame"), FWD("cr_code"), FWD("cr_await"), FWD("cr_running"), FWD("cr_origin"),
#if PY_VERSION_HEX >= 0x030B0000
    FWD("cr_suspended"),
#endif
    FWD("__name__"), FWD("__qualname__"),
    {NULL}
};

static PyMemberDef proxy_members[] = {
    {"_c", T_OBJECT_EX, offsetof(Proxy, c), READONLY, NULL},
    {"_id", T_OBJECT_EX, offsetof(Proxy, id), READONLY, NULL},
    {"_t0", T_LONGLONG, offsetof(Proxy, t0), 0, NULL},
    {"_task", T_OBJECT_EX, offsetof(Proxy, task), 0, NULL},
    {"_cid", T_OBJECT_EX, offsetof(Proxy, cid), READONLY, NULL},
    {"_dk", T_OBJECT_EX, offsetof(Proxy, dk), READONLY, NULL},
    {NULL}
};

static PyMethodDef proxy_methods[] = {
    {"send", (PyCFunction)proxy_send, METH_O, NULL},
    {"throw", (PyCFunction)proxy_throw, METH_VARARGS, NULL},
    {"close", (PyCFunction)proxy_close, METH_NOARGS, NULL},
    {NULL}
};

static PyAsyncMethods proxy_as_async = {
    (unaryfunc)proxy_await, /* am_await */
    0,                      /* am_aiter */
    0,                      /* am_anext */
#if PY_VERSION_HEX >= 0x030A0000
    (sendfunc)proxy_am_send, /* am_send */
#endif
};

static PyTypeObject ProxyType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "async_lanes._rec._Coro",
    .tp_doc = "Wraps a task's coroutine: each send/throw is one step (C).",
    .tp_basicsize = sizeof(Proxy),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = proxy_new,
    .tp_dealloc = (destructor)proxy_dealloc,
    .tp_traverse = (traverseproc)proxy_traverse,
    .tp_clear = (inquiry)proxy_clear,
    .tp_repr = (reprfunc)proxy_repr,
    .tp_as_async = &proxy_as_async,
    .tp_iternext = (iternextfunc)proxy_iternext,
    .tp_methods = proxy_methods,
    .tp_members = proxy_members,
    .tp_getset = proxy_getset,
};

/* ---- recorder-side module functions ------------------------------------- */

static PyObject *
mod_setup(PyObject *mod, PyObject *args)
{
    PyObject *fut, *decide, *deep, *aid, *end, *C, *dkb, *ct;
    if (!PyArg_ParseTuple(args, "O!OOOOOO!O!:setup", &PyType_Type, &fut, &decide, &deep, &aid,
                          &end, &C, &PyDict_Type, &dkb, &PyType_Type, &ct))
        return NULL;
    Py_XSETREF(g_fut_type, (PyTypeObject *)Py_NewRef(fut));
    Py_XSETREF(g_decide, Py_NewRef(decide));
    Py_XSETREF(g_deep_site, Py_NewRef(deep));
    Py_XSETREF(g_aid, Py_NewRef(aid));
    Py_XSETREF(g_end, Py_NewRef(end));
    Py_XSETREF(g_C, Py_NewRef(C));
    Py_XSETREF(g_dk_by_code, Py_NewRef(dkb));
    Py_XSETREF(g_coro_type, Py_NewRef(ct));
    return Py_NewRef((PyObject *)&ProxyType);
}

static void
steps_taken(void)
{
    g_nsteps = 0;
    if (g_cap > 65536) { /* a burst: give the memory back */
        PyMem_RawFree(g_steps);
        g_steps = NULL;
        g_cap = 0;
    }
}

/* send(fd, buf): one chunk for the writer (a 16-byte header: the lengths of the marshalled records
 * and of the steps, little-endian; the records, a marshalled list: buf's moved into the record buffer; the steps)
 * written to fd, a non-blocking pipe, straight from the record and step buffers (no copy, no new buffer whose
 * pages fault in each time); all three are emptied.  Returns None when all of it was written, else what was not
 * (bytes), for the caller to write later.  The GIL is held throughout (the write does not block). */
static PyObject *
mod_send(PyObject *mod, PyObject *args)
{
    int fd;
    PyObject *buf;
    if (!PyArg_ParseTuple(args, "iO!:send", &fd, &PyList_Type, &buf))
        return NULL;
    PyObject *saved = g_flush_buf; /* (buf is the record list) */
    g_flush_buf = buf;
    unsigned char hdr[21];
    int bad = rb_head(hdr + 16);
    g_flush_buf = saved;
    if (bad < 0)
        return NULL;
    unsigned long long lens[2] = {5 + (unsigned long long)g_rlen, (unsigned long long)g_nsteps * sizeof(Step)};
    for (int i = 0; i < 16; i++)
        hdr[i] = (unsigned char)(lens[i / 8] >> (8 * (i % 8)));
    struct iovec iov[3] = {{hdr, 21}, {g_rb, g_rlen}, {g_steps, (size_t)lens[1]}};
    size_t total = 16 + lens[0] + lens[1];
    ssize_t w;
    do {
        w = writev(fd, iov, 3);
    } while (w < 0 && errno == EINTR);
    if (w < 0)
        w = (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : (ssize_t)total; /* (else the writer is gone) */
    PyObject *rest = Py_None;
    if ((size_t)w < total) {
        rest = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(total - (size_t)w));
        if (rest == NULL)
            return NULL;
        char *o = PyBytes_AS_STRING(rest);
        size_t skip = (size_t)w;
        for (int i = 0; i < 3; i++) {
            size_t len = iov[i].iov_len;
            if (skip >= len) {
                skip -= len;
                continue;
            }
            memcpy(o, (char *)iov[i].iov_base + skip, len - skip);
            o += len - skip;
            skip = 0;
        }
    }
    else {
        Py_INCREF(rest);
    }
    rb_taken();
    steps_taken();
    return rest;
}

/* take(buf) -> (the records, a marshalled list (buf's moved in first), steps as bytes); all emptied, with the GIL
 * held throughout */
static PyObject *
mod_take(PyObject *mod, PyObject *buf)
{
    if (!PyList_Check(buf)) {
        PyErr_SetString(PyExc_TypeError, "take(list)");
        return NULL;
    }
    PyObject *saved = g_flush_buf; /* (buf is the record list; or, in a check, another list) */
    g_flush_buf = buf;
    unsigned char h[5];
    int bad = rb_head(h);
    g_flush_buf = saved;
    if (bad < 0)
        return NULL;
    PyObject *recs = PyBytes_FromStringAndSize(NULL, 5 + (Py_ssize_t)g_rlen);
    if (recs == NULL)
        return NULL;
    memcpy(PyBytes_AS_STRING(recs), h, 5);
    if (g_rlen)
        memcpy(PyBytes_AS_STRING(recs) + 5, g_rb, g_rlen);
    PyObject *steps = PyBytes_FromStringAndSize((const char *)g_steps, g_nsteps * (Py_ssize_t)sizeof(Step));
    if (steps == NULL) {
        Py_DECREF(recs);
        return NULL;
    }
    rb_taken();
    steps_taken();
    PyObject *res = PyTuple_Pack(2, recs, steps);
    Py_DECREF(recs);
    Py_DECREF(steps);
    return res;
}

static PyObject *
mod_set_flush(PyObject *mod, PyObject *args)
{
    PyObject *cb, *buf, *plain = NULL;
    if (!PyArg_ParseTuple(args, "OO!|O:set_flush", &cb, &PyList_Type, &buf, &plain))
        return NULL;
    Py_XSETREF(g_flush_cb, cb == Py_None ? NULL : Py_NewRef(cb));
    Py_XSETREF(g_flush_buf, Py_NewRef(buf));
    if (plain != NULL)
        Py_XSETREF(g_plain, Py_NewRef(plain));
    Py_RETURN_NONE;
}

static PyObject *
mod_pending(PyObject *mod, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(g_nsteps + g_rn);
}

static PyObject *
mod_off(PyObject *mod, PyObject *Py_UNUSED(ignored))
{
    g_off = 1; /* (the exit record is the last: a thread still running then is not recorded further) */
    Py_RETURN_NONE;
}

static PyObject *
mod_setup_sites(PyObject *mod, PyObject *args)
{
    PyObject *lib, *classify, *stop, *wrap, *one, *tb;
    if (!PyArg_ParseTuple(args, "O!OOO!OO!:setup_sites", &PyDict_Type, &lib, &classify, &stop, &PyTuple_Type, &wrap,
                          &one, &PyTuple_Type, &tb))
        return NULL;
    Py_XSETREF(g_task_bases, Py_NewRef(tb));
    Py_XSETREF(g_one_susp, Py_NewRef(one));
    Py_XSETREF(g_lib, Py_NewRef(lib));
    Py_XSETREF(g_classify, Py_NewRef(classify));
    Py_XSETREF(g_stop, Py_NewRef(stop));
    Py_XSETREF(g_wrap_types, Py_NewRef(wrap));
    Py_RETURN_NONE;
}

static PyObject *
mod_reset(PyObject *mod, PyObject *Py_UNUSED(ignored))
{
    g_nsteps = 0; /* (a forked child: the parent's steps and records are not its own, and it is not recorded) */
    g_rlen = 0;
    g_rn = 0;
    g_off = 1;
    Py_RETURN_NONE;
}

/* glibc keeps the memory a long recording frees (the records' buffers, made and dropped by two threads, leave
 * free chunks in the main heap and in the recorder thread's arena) and the process's RSS creeps up by a quarter
 * of a MB a minute; malloc_trim hands the free pages back.  Without the GIL: the program runs meanwhile. */
static PyObject *
mod_trim(PyObject *mod, PyObject *Py_UNUSED(ignored))
{
#ifdef __GLIBC__
    int released;
    Py_BEGIN_ALLOW_THREADS
    released = malloc_trim(0);
    Py_END_ALLOW_THREADS
    return PyBool_FromLong(released);
#else
    Py_RETURN_FALSE;
#endif
}

static PyObject *
mod_now(PyObject *mod, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromLongLong(now_ns());
}

/* ---- plain callbacks: _rec._cb_start / _cb_done for a plain function, in C -----------------------------
 * _rec's generated Handle._run calls cb_begin(handle) before the callback and cb_end(token) after it (3.14+: begin
 * and done call these); what is not a plain function goes to the Python functions. */

static PyObject *g_cbcur;      /* _rec._cbcur: thread ident -> (t0, handle) of the callback running there */
static PyObject *g_py_cb_start, *g_py_cb_done; /* _rec._cb_start, _rec._cb_done */
static PyObject *g_pending;    /* _rec._pending: tasks seen in an eager first step, recorded by g_finish once it ended */
static PyObject *g_finish;     /* _rec._finish_pending() */
static PyObject *s_cb;

/* the tasks seen in an eager first step are recorded at the next callback's start or end */
static int
finish_pending(void)
{
    if (g_pending == NULL || PyList_GET_SIZE(g_pending) == 0)
        return 0;
    PyObject *r = PyObject_CallNoArgs(g_finish);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

static PyObject *
mod_setup_cb(PyObject *mod, PyObject *args)
{
    PyObject *cbcur, *start, *done, *codes, *reg, *pending, *finish;
    if (!PyArg_ParseTuple(args, "O!OOO!OO!O:setup_cb", &PyDict_Type, &cbcur, &start, &done, &PyDict_Type, &codes,
                          &reg, &PyList_Type, &pending, &finish))
        return NULL;
    Py_XSETREF(g_cbcur, Py_NewRef(cbcur));
    Py_XSETREF(g_py_cb_start, Py_NewRef(start));
    Py_XSETREF(g_py_cb_done, Py_NewRef(done));
    Py_XSETREF(g_codes, Py_NewRef(codes));
    Py_XSETREF(g_reg, Py_NewRef(reg));
    Py_XSETREF(g_pending, Py_NewRef(pending));
    Py_XSETREF(g_finish, Py_NewRef(finish));
    Py_RETURN_NONE;
}

/* A plain function cb (a new reference, taken) is starting: its token [t0, cb, thread ident], as _cb_start's. */
static PyObject *
cb_begin_fn(PyObject *h, PyObject *cb)
{
    PyObject *io = PyLong_FromUnsignedLong(PyThread_get_thread_ident());
    long long t0 = now_ns();
    PyObject *t0o = PyLong_FromLongLong(t0);
    PyObject *cur = io && t0o ? PyTuple_Pack(2, t0o, h) : NULL;
    PyObject *tok = cur ? PyList_New(3) : NULL;
    if (tok == NULL || PyDict_SetItem(g_cbcur, io, cur) < 0) {
        Py_XDECREF(io);
        Py_XDECREF(t0o);
        Py_XDECREF(cur);
        Py_XDECREF(tok);
        Py_DECREF(cb);
        return NULL;
    }
    Py_DECREF(cur);
    PyList_SET_ITEM(tok, 0, t0o);
    PyList_SET_ITEM(tok, 1, cb);
    PyList_SET_ITEM(tok, 2, io);
    return tok;
}

/* A callback timed here, not by _rec._cb_start: a function, a function bound to an object, or a builtin bound to
 * one (a future's set_result: every resolved future's callback) — not to a task: a task's own methods go to the
 * Python functions (steps of tasks constructed directly, methods that are not timed).  1, 0, or -1 on error. */
static int
cb_plain(PyObject *cb)
{
    PyObject *self;
    PyTypeObject *tc = Py_TYPE(cb);
    if (tc == &PyFunction_Type)
        return 1;
    if (tc == &PyMethod_Type) {
        if (!PyFunction_Check(PyMethod_GET_FUNCTION(cb)))
            return 0;
        self = PyMethod_GET_SELF(cb);
    }
    else if (tc == &PyCFunction_Type || tc == &PyCMethod_Type) {
        self = PyCFunction_GET_SELF(cb);
        if (self == NULL)
            return 0;
    }
    else {
        return 0;
    }
    if (g_task_bases == NULL)
        return 0;
    int task = PyObject_IsInstance(self, g_task_bases);
    return task < 0 ? -1 : !task;
}

/* Whether cb is a builtin bound to a task that runs a proxy (3.11-3.13: its wakeup): _cb_start answers None for it (the
 * task is not one constructed directly, in _treg), so it is not called. */
static int
proxied_task_builtin(PyObject *cb)
{
    if (!PyCFunction_Check(cb) || PyCFunction_GET_SELF(cb) == NULL || g_task_bases == NULL)
        return 0;
    PyObject *task = PyCFunction_GET_SELF(cb);
    if (PyObject_IsInstance(task, g_task_bases) != 1)
        return 0;
    PyObject *p = fast_attr(&a_coro, task);
    int r = p != NULL && Py_TYPE(p) == &ProxyType;
    Py_XDECREF(p);
    PyErr_Clear();
    return r;
}

/* cb_begin for handle h whose callback is cb (a new reference, taken) */
static PyObject *
cb_begin_h(PyObject *h, PyObject *cb)
{
    if (finish_pending() < 0)
        PyErr_Clear(); /* (the recorder's trouble, never the program's) */
    int plain = g_off || g_flush_buf == NULL ? 0 : cb_plain(cb);
    if (plain == 0 && proxied_task_builtin(cb)) {
        Py_DECREF(cb);
        Py_RETURN_NONE;
    }
    if (plain <= 0) {
        Py_DECREF(cb);
        if (plain < 0)
            PyErr_Clear();
        return PyObject_CallOneArg(g_py_cb_start, h);
    }
    return cb_begin_fn(h, cb);
}

static PyObject *
mod_cb_begin(PyObject *mod, PyObject *h)
{
    PyObject *cb = fast_attr(&a_callback, h);
    return cb == NULL ? NULL : cb_begin_h(h, cb);
}

static int
cb_fn_token(PyObject *tok)
{
    if (!PyList_CheckExact(tok) || PyList_GET_SIZE(tok) != 3)
        return 0;
    PyTypeObject *tc = Py_TYPE(PyList_GET_ITEM(tok, 1));
    return tc == &PyFunction_Type || tc == &PyMethod_Type || tc == &PyCFunction_Type || tc == &PyCMethod_Type;
}

/* cb_end(token): the callback's `cb` record (see _rec._cb_done) */
static PyObject *
mod_cb_end(PyObject *mod, PyObject *tok)
{
    if (!cb_fn_token(tok) || g_off || g_flush_buf == NULL)
        return PyObject_CallOneArg(g_py_cb_done, tok);
    if (finish_pending() < 0)
        PyErr_Clear();
    long long t1 = now_ns();
    PyObject *cb = PyList_GET_ITEM(tok, 1), *name = NULL;
    if (PyDict_SetItem(g_cbcur, PyList_GET_ITEM(tok, 2), Py_None) < 0)
        goto error;
    /* the name and code as _rec._cb_done has them: a bound function's own; a builtin's qualified name, no code */
    if (PyMethod_Check(cb))
        cb = PyMethod_GET_FUNCTION(cb);
    PyObject *co = NULL;
    if (PyFunction_Check(cb)) {
        co = PyFunction_GET_CODE(cb);
        if (code_known(co) < 0)
            goto error;
        name = Py_NewRef(((PyFunctionObject *)cb)->func_qualname);
    }
    else {
        name = PyObject_GetAttr(cb, s_qualname);
        if (name != NULL && !PyUnicode_Check(name))
            Py_SETREF(name, PyObject_GetAttr((PyObject *)Py_TYPE(cb), s_qualname));
        if (name == NULL)
            goto error;
    }
    /* (cid: id(co), as PyLong_FromVoidPtr; None without a code) */
    Fld rec[6] = {{s_cb}, {PyList_GET_ITEM(tok, 0)}, {NULL, t1}, {name},
                  {co == NULL ? Py_None : NULL, (long long)(uintptr_t)co}, {g_minus1}};
    if (rb_record(rec, 6) < 0)
        goto error;
    Py_DECREF(name);
    maybe_flush();
    Py_RETURN_NONE;
error:
    PyErr_Clear(); /* (the recorder's trouble, never the program's: this callback is not recorded) */
    Py_XDECREF(name);
    Py_RETURN_NONE;
}

/* ---- uvloop: call_soon's callbacks timed without a Python closure per call ------------------------------
 * uvloop's handles run their callbacks in C (no Handle._run to time), so _uvloop puts call_soon() on uvloop.Loop:
 * uvloop's own call_soon is given a _Timed instead of the callback.  The _Timed stands for the handle where
 * cb_begin/begin and _rec want one (its `_callback` is the callback: a plain Handle's type is not needed, only
 * call_later/call_at's TimerHandle is, and those stay in _uvloop.py).  Calling it times the callback as
 * Handle._run does, run inside _uvloop._run, a frame of the recorder's that stack walks stop at (as at Handle._run).
 * One GC object per call, where the Python wrapper made a Handle, a cell, a closure and a kwargs dict. */

typedef struct {
    PyObject_HEAD
    PyObject *cb;
    vectorcallfunc vectorcall;
} Timed;

static PyObject *g_uv_call_soon; /* uvloop's own Loop.call_soon */
static PyObject *g_uv_run;       /* _uvloop._run(cb, *args) -> cb(*args) */
static PyObject *g_uv_run_code;  /* its code */
static PyObject *g_uv_treg;      /* _rec._treg */

#if PY_VERSION_HEX >= 0x030E0000
static PyObject *begin_h(PyObject *h, PyObject *cb);
static PyObject *mod_done(PyObject *mod, PyObject *tok);
#define UV_BEGIN begin_h
#define UV_DONE mod_done
#else
#define UV_DONE mod_cb_end

/* A task's own method (its step or wakeup wrapper, a method bound to it): 1, else 0 */
static int
task_own(PyObject *cb)
{
    PyTypeObject *tc = Py_TYPE(cb);
    PyObject *self;
    if (tc == &PyMethod_Type) {
        self = PyMethod_GET_SELF(cb);
    }
    else if (tc == &PyCFunction_Type || tc == &PyCMethod_Type) {
        self = PyCFunction_GET_SELF(cb);
    }
    else {
        const char *n = strrchr(tc->tp_name, '.');
        n = n == NULL ? tc->tp_name : n + 1;
        return strcmp(n, "TaskStepMethWrapper") == 0 || strcmp(n, "TaskWakeupMethWrapper") == 0;
    }
    if (self == NULL || g_task_bases == NULL)
        return 0;
    int r = PyObject_IsInstance(self, g_task_bases);
    if (r < 0)
        PyErr_Clear();
    return r > 0;
}

/* cb_begin, without the call into _rec._cb_start for a task's own method while no task is in _treg (the proxy times
 * its steps; _cb_start would answer None) */
static PyObject *
uv_cb_begin(PyObject *h, PyObject *cb)
{
    if (g_uv_treg != NULL && PyDict_GET_SIZE(g_uv_treg) == 0 && task_own(cb)) {
        Py_DECREF(cb);
        if (finish_pending() < 0)
            PyErr_Clear();
        Py_RETURN_NONE;
    }
    return cb_begin_h(h, cb);
}
#define UV_BEGIN uv_cb_begin
#endif

/* The exception e a timed callback raised, without _run's frame in its traceback: as under plain uvloop (whose
 * handle logs it) */
static void
unlink_run(PyObject *e)
{
    PyObject *tb = PyException_GetTraceback(e), *f = NULL, *next = NULL;
    if (tb != NULL && (f = PyObject_GetAttrString(tb, "tb_frame")) != NULL
        && (next = PyObject_GetAttrString(tb, "tb_next")) != NULL && PyFrame_Check(f)) {
        PyCodeObject *co = PyFrame_GetCode((PyFrameObject *)f);
        if ((PyObject *)co == g_uv_run_code && PyException_SetTraceback(e, next) < 0)
            PyErr_Clear();
        Py_DECREF(co);
    }
    PyErr_Clear(); /* (a traceback not unlinked: the recorder's trouble, never the program's) */
    Py_XDECREF(next);
    Py_XDECREF(f);
    Py_XDECREF(tb);
}

static PyObject *
timed_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Timed *self = (Timed *)callable;
    Py_ssize_t n = PyVectorcall_NARGS(nargsf), nall = n + (kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames));
    PyObject *small[8], **stack = small, *res;
    if (nall + 1 > 8 && (stack = PyMem_Malloc((nall + 1) * sizeof(PyObject *))) == NULL)
        return PyErr_NoMemory();
    stack[0] = self->cb;
    memcpy(stack + 1, args, nall * sizeof(PyObject *));
    PyObject *tok = UV_BEGIN(callable, Py_NewRef(self->cb));
    if (tok == NULL)
        PyErr_Clear(); /* (not timed: the recorder's trouble, never the program's) */
    res = PyObject_Vectorcall(g_uv_run, stack, n + 1, kwnames);
    if (stack != small)
        PyMem_Free(stack);
    PyObject *e = res == NULL ? fetch_exc() : NULL;
    if (e != NULL)
        unlink_run(e);
    if (tok != NULL && tok != Py_None) {
        PyObject *r = UV_DONE(NULL, tok);
        if (r == NULL)
            PyErr_Clear();
        Py_XDECREF(r);
    }
    Py_XDECREF(tok);
    if (e != NULL)
        restore_exc(e);
    return res;
}

static int
timed_traverse(Timed *self, visitproc visit, void *arg)
{
    Py_VISIT(self->cb);
    return 0;
}

static int
timed_clear(Timed *self)
{
    Py_CLEAR(self->cb);
    return 0;
}

static void
timed_dealloc(Timed *self)
{
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->cb);
    PyObject_GC_Del(self);
}

static PyObject *
timed_repr(Timed *self) /* (what uvloop's error messages show: the program's callback) */
{
    return PyObject_Repr(self->cb);
}

/* the callback's __qualname__, __name__ and __self__: what uvloop's Handle shows of its callback */
static PyObject *
timed_cb_attr(Timed *self, void *name)
{
    return PyObject_GetAttrString(self->cb, (const char *)name);
}

static PyGetSetDef timed_getset[] = {
    {"__qualname__", (getter)timed_cb_attr, NULL, NULL, "__qualname__"},
    {"__name__", (getter)timed_cb_attr, NULL, NULL, "__name__"},
    {"__self__", (getter)timed_cb_attr, NULL, NULL, "__self__"},
    {NULL}
};

static PyMemberDef timed_members[] = {
    {"_callback", T_OBJECT, offsetof(Timed, cb), READONLY, NULL},
    {NULL}
};

static PyTypeObject TimedType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "async_lanes._speedups._Timed",
    .tp_basicsize = sizeof(Timed),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(Timed, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_repr = (reprfunc)timed_repr,
    .tp_dealloc = (destructor)timed_dealloc,
    .tp_traverse = (traverseproc)timed_traverse,
    .tp_clear = (inquiry)timed_clear,
    .tp_members = timed_members,
    .tp_getset = timed_getset,
};

/* Loop.call_soon(callback, *args, context=None): uvloop's, given a _Timed */
static PyObject *
uv_call_soon(PyObject *loop, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    Py_ssize_t nall = nargs + (kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames));
    PyObject *small[8], **stack = small, *res = NULL;
    if (nall + 1 > 8 && (stack = PyMem_Malloc((nall + 1) * sizeof(PyObject *))) == NULL)
        return PyErr_NoMemory();
    stack[0] = loop;
    memcpy(stack + 1, args, nall * sizeof(PyObject *));
    Timed *t = NULL;
    Py_ssize_t at = nargs >= 1 ? 0 : -1; /* where the callback is: first, or passed as callback= */
    for (Py_ssize_t k = 0; at < 0 && k < nall - nargs; k++)
        if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, k), "callback") == 0)
            at = nargs + k;
    if (at >= 0) { /* (else uvloop's own raises the TypeError) */
        if ((t = PyObject_GC_New(Timed, &TimedType)) == NULL)
            goto done;
        t->cb = Py_NewRef(args[at]);
        t->vectorcall = timed_vectorcall;
        PyObject_GC_Track(t);
        stack[1 + at] = (PyObject *)t;
    }
    res = PyObject_Vectorcall(g_uv_call_soon, stack, nargs + 1, kwnames);
    Py_XDECREF(t);
done:
    if (stack != small)
        PyMem_Free(stack);
    return res;
}

static PyMethodDef uv_call_soon_def = {"call_soon", (PyCFunction)(void (*)(void))uv_call_soon,
                                       METH_FASTCALL | METH_KEYWORDS, NULL};

/* uv_call_soon(Loop, its call_soon, _uvloop._run, _rec._treg) -> the call_soon to put on Loop (a method descriptor: the loop
 * is passed as self, no bound method is made) */
static PyObject *
mod_uv_call_soon(PyObject *mod, PyObject *args)
{
    PyObject *cls, *orig, *run, *treg;
    if (!PyArg_ParseTuple(args, "O!OO!O!:uv_call_soon", &PyType_Type, &cls, &orig, &PyFunction_Type, &run,
                          &PyDict_Type, &treg))
        return NULL;
    if (PyType_Ready(&TimedType) < 0)
        return NULL;
    Py_XSETREF(g_uv_call_soon, Py_NewRef(orig));
    Py_XSETREF(g_uv_run, Py_NewRef(run));
    Py_XSETREF(g_uv_run_code, Py_NewRef(PyFunction_GET_CODE(run)));
    Py_XSETREF(g_uv_treg, Py_NewRef(treg));
    return PyDescr_NewMethod((PyTypeObject *)cls, &uv_call_soon_def);
}

#if PY_VERSION_HEX >= 0x030E0000
/* ---- 3.14+: steps timed around the task's step callback (no proxy) ------------------------------
 * _rec's generated Handle._run calls begin(handle) before the callback and done(token) after it (see
 * _rec._cb_start_np / _cb_done_np, which these are, record for record).  A step of a recorded task (the C
 * Task's TaskStepMethWrapper or its task_wakeup builtin method; the task found in _rec._treg by id) is timed
 * here; anything else goes to the Python functions.  The token of a step is its depth in g_cur (below). */

static PyObject *g_treg;      /* _rec._treg: id(task) -> _TS */
static PyObject *g_cb_start;  /* _rec._cb_start_np (what begin() does not handle) */
static PyObject *g_cb_done;   /* _rec._cb_done_np */
static PyObject *g_step_end;  /* _rec._step_end(st, task, coro, t0, t1): a task's last step */
static PyObject *g_adopt;     /* _rec._adopt_at_step(task): a task not in _treg (constructed directly) -> _TS or None */
static PyTypeObject *g_task_type;  /* the C Task */
static PyTypeObject *g_stepw_type; /* TaskStepMethWrapper, once seen */
static PyObject *s_self, *s_fut_waiter, *s_state, *s_exception, *s_result;
static FastAttr a_self = {&s_self}, a_fut_waiter = {&s_fut_waiter}, a_cr_suspended = {&s_cr_suspended};

/* The steps running on each thread (a few threads; a stack of a few, in case a callback runs another loop's
 * Handle._run by hand): what done() needs, held here rather than in a token object (a GC-tracked tuple per step
 * made the collector run much more often: 3.14's is incremental); the token is the depth (a cached small int).
 * The watchdog reads the innermost start (current()). */
#define NCUR 16
#define NDEPTH 8
typedef struct { PyObject *st, *task, *coro; long long t0; } Cur;
static struct { unsigned long ident; int depth; Cur ents[NDEPTH]; } g_cur[NCUR];

static int
cur_slot(int create)
{
    unsigned long me = PyThread_get_thread_ident();
    int free_i = -1;
    for (int i = 0; i < NCUR; i++) {
        if (g_cur[i].ident == me)
            return i;
        if (free_i < 0 && g_cur[i].depth == 0)
            free_i = i;
    }
    if (!create || free_i < 0)
        return -1;
    g_cur[free_i].ident = me;
    return free_i;
}

static void
cur_pop(int i)
{
    Cur *e = &g_cur[i].ents[--g_cur[i].depth];
    Py_CLEAR(e->st);
    Py_CLEAR(e->task);
    Py_CLEAR(e->coro);
    e->t0 = 0;
}

static PyObject *
mod_current(PyObject *mod, PyObject *arg)
{
    unsigned long id = PyLong_AsUnsignedLong(arg);
    if (id == (unsigned long)-1 && PyErr_Occurred())
        return NULL;
    for (int i = 0; i < NCUR; i++)
        if (g_cur[i].ident == id && g_cur[i].depth > 0)
            return PyLong_FromLongLong(g_cur[i].ents[g_cur[i].depth - 1].t0);
    return PyLong_FromLong(0);
}

/* running(): the _TS of the innermost step timed here on this thread, or None */
static PyObject *
mod_running(PyObject *mod, PyObject *Py_UNUSED(ignored))
{
    int i = cur_slot(0);
    if (i < 0 || g_cur[i].depth == 0)
        Py_RETURN_NONE;
    return Py_NewRef(g_cur[i].ents[g_cur[i].depth - 1].st);
}

/* A recorded task's state (_rec._TS, in C): what step_done reads at each step as C fields, and the offset of the
 * task's last suspension with its _dk value (as the proxy keeps them). */
typedef struct {
    PyObject_HEAD
    PyObject *id, *task, *name, *cid, *dk, *run_task, *coro;
    PyObject *key; /* id(task) in _treg once registered (register()) */
    long long t0, id_v, cid_v, last_la;
    int last_deep;
    PyObject *fco, *frame; /* borrowed: the task's coroutine and its frame object, once read (see step_frame) */
    vectorcallfunc vectorcall; /* (called as its task's weakref callback: no argument tuple made) */
} TS;

static PyTypeObject TSType;

static PyObject *ts_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames);

/* A _TS (type: _TS or a subclass) for task id i whose coroutine runs code */
static PyObject *
ts_make(PyTypeObject *type, PyObject *i, PyObject *code)
{
    if (g_C == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "async_lanes._speedups: setup_np() not called");
        return NULL;
    }
    TS *self = (TS *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->id = Py_NewRef(i);
    self->task = Py_NewRef(Py_None);
    self->name = Py_NewRef(Py_None);
    self->run_task = Py_NewRef(Py_None);
    self->coro = Py_NewRef(Py_None);
    self->last_la = -2;
    self->vectorcall = ts_vectorcall;
    if (as_ll(i, &self->id_v) < 0 || code_state(code, &self->cid, &self->cid_v, &self->dk) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static PyObject *
ts_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *i, *code;
    if (!PyArg_ParseTuple(args, "OO:_TS", &i, &code))
        return NULL;
    return ts_make(type, i, code);
}

static int
ts_traverse(TS *self, visitproc visit, void *arg)
{
    Py_VISIT(self->id);
    Py_VISIT(self->task);
    Py_VISIT(self->name);
    Py_VISIT(self->cid);
    Py_VISIT(self->dk);
    Py_VISIT(self->run_task);
    Py_VISIT(self->coro);
    Py_VISIT(self->key);
    return 0;
}

static int
ts_clear(TS *self)
{
    Py_CLEAR(self->id);
    Py_CLEAR(self->task);
    Py_CLEAR(self->name);
    Py_CLEAR(self->cid);
    Py_CLEAR(self->dk);
    Py_CLEAR(self->run_task);
    Py_CLEAR(self->coro);
    Py_CLEAR(self->key);
    return 0;
}

static void
ts_dealloc(TS *self)
{
    PyObject_GC_UnTrack(self);
    ts_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMemberDef ts_members[] = {
    {"_id", T_OBJECT_EX, offsetof(TS, id), READONLY, NULL},
    {"_task", T_OBJECT_EX, offsetof(TS, task), 0, NULL},
    {"_cid", T_OBJECT_EX, offsetof(TS, cid), READONLY, NULL},
    {"_dk", T_OBJECT_EX, offsetof(TS, dk), READONLY, NULL},
    {"_t0", T_LONGLONG, offsetof(TS, t0), 0, NULL},
    {"_run_task", T_OBJECT_EX, offsetof(TS, run_task), 0, NULL},
    {"_coro", T_OBJECT_EX, offsetof(TS, coro), 0, NULL},
    {NULL}
};

/* _name: the recorded name as a str (a default name is kept as its number, see task_name) */
static PyObject *
ts_get_name(TS *self, void *closure)
{
    return name_str(self->name);
}

static int
ts_set_name(TS *self, PyObject *v, void *closure)
{
    if (v == NULL) {
        PyErr_SetString(PyExc_AttributeError, "_name cannot be deleted");
        return -1;
    }
    Py_SETREF(self->name, Py_NewRef(v));
    return 0;
}

static PyGetSetDef ts_getset[] = {
    {"_name", (getter)ts_get_name, (setter)ts_set_name, NULL, NULL},
    {NULL}
};

/* The _TS is its task's weakref callback (see register): the task is gone, so is its entry in _treg. */
static PyObject *
ts_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    TS *self = (TS *)callable;
    if (self->key != NULL && g_treg != NULL) {
        PyObject *cur = PyDict_GetItemWithError(g_treg, self->key);
        if (cur == (PyObject *)self) {
            if (PyDict_DelItem(g_treg, self->key) < 0)
                PyErr_Clear();
        }
        else if (cur == NULL) {
            PyErr_Clear();
        }
    }
    Py_RETURN_NONE;
}

static PyTypeObject TSType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "async_lanes._speedups._TS",
    .tp_basicsize = sizeof(TS),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(TS, vectorcall),
    .tp_new = ts_new,
    .tp_call = PyVectorcall_Call,
    .tp_dealloc = (destructor)ts_dealloc,
    .tp_traverse = (traverseproc)ts_traverse,
    .tp_clear = (inquiry)ts_clear,
    .tp_members = ts_members,
    .tp_getset = ts_getset,
};

static PyObject *
mod_setup_np(PyObject *mod, PyObject *args)
{
    PyObject *treg, *cb_start, *cb_done, *step_end, *fut, *task, *decide, *deep, *aid, *adopt, *C, *dkb;
    if (!PyArg_ParseTuple(args, "O!OOOO!O!OOOOOO!:setup_np", &PyDict_Type, &treg, &cb_start, &cb_done, &step_end,
                          &PyType_Type, &fut, &PyType_Type, &task, &decide, &deep, &aid, &adopt, &C, &PyDict_Type,
                          &dkb))
        return NULL;
    if (PyType_Ready(&TSType) < 0)
        return NULL;
    Py_XSETREF(g_C, Py_NewRef(C));
    Py_XSETREF(g_dk_by_code, Py_NewRef(dkb));
    Py_XSETREF(g_adopt, Py_NewRef(adopt));
    Py_XSETREF(g_treg, Py_NewRef(treg));
    Py_XSETREF(g_cb_start, Py_NewRef(cb_start));
    Py_XSETREF(g_cb_done, Py_NewRef(cb_done));
    Py_XSETREF(g_step_end, Py_NewRef(step_end));
    Py_XSETREF(g_fut_type, (PyTypeObject *)Py_NewRef(fut));
    Py_XSETREF(g_task_type, (PyTypeObject *)Py_NewRef(task));
    Py_XSETREF(g_decide, Py_NewRef(decide));
    Py_XSETREF(g_deep_site, Py_NewRef(deep));
    Py_XSETREF(g_aid, Py_NewRef(aid));
    return Py_NewRef((PyObject *)&TSType);
}

/* register(task, st): _rec._register, in C: st._task a weakref to the task whose callback is st itself (no
 * closure made per task), and _treg[id(task)] = st; a task that cannot be weakly referenced is not registered. */
static PyObject *
mod_register(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || Py_TYPE(args[1]) != &TSType || g_treg == NULL) {
        PyErr_SetString(PyExc_TypeError, "register(task, _TS)");
        return NULL;
    }
    TS *st = (TS *)args[1];
    PyObject *key = PyLong_FromVoidPtr(args[0]);
    if (key == NULL)
        return NULL;
    PyObject *wr = PyWeakref_NewRef(args[0], (PyObject *)st);
    if (wr == NULL) {
        Py_DECREF(key);
        if (!PyErr_ExceptionMatches(PyExc_TypeError))
            return NULL;
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    Py_SETREF(st->task, wr);
    Py_XSETREF(st->key, key);
    if (PyDict_SetItem(g_treg, key, (PyObject *)st) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* begin for handle h whose callback is cb (a new reference, taken) */
static PyObject *
begin_h(PyObject *h, PyObject *cb)
{
    if (finish_pending() < 0)
        PyErr_Clear(); /* (the recorder's trouble, never the program's) */
    PyTypeObject *tc = Py_TYPE(cb);
    PyObject *task = NULL; /* new reference */
    if (tc == &PyCFunction_Type || tc == &PyCMethod_Type) {
        PyObject *self = PyCFunction_GET_SELF(cb);
        if (self != NULL && g_task_type != NULL && PyObject_TypeCheck(self, g_task_type)) {
            const char *n = ((PyCFunctionObject *)cb)->m_ml->ml_name;
            Py_DECREF(cb);
            if (n == NULL || strcmp(n, "task_wakeup") != 0)
                Py_RETURN_NONE; /* (a task's own method, e.g. cancel: not timed) */
            task = Py_NewRef(self);
        }
    }
    else if (tc == g_stepw_type
             || (g_stepw_type == NULL && strcmp(tc->tp_name, "_asyncio.TaskStepMethWrapper") == 0)) {
        if (g_stepw_type == NULL)
            g_stepw_type = (PyTypeObject *)Py_NewRef((PyObject *)tc);
        task = fast_attr(&a_self, cb);
        Py_DECREF(cb);
        if (task == NULL)
            return NULL;
    }
    if (task == NULL) {
        int plain = g_off || g_flush_buf == NULL ? 0 : cb_plain(cb);
        if (plain > 0)
            return cb_begin_fn(h, cb);
        Py_DECREF(cb);
        if (plain < 0)
            PyErr_Clear();
        return PyObject_CallOneArg(g_cb_start, h);
    }
    PyObject *key = PyLong_FromVoidPtr(task);
    if (key == NULL) {
        Py_DECREF(task);
        return NULL;
    }
    PyObject *st = Py_XNewRef(PyDict_GetItemWithError(g_treg, key));
    Py_DECREF(key);
    if (st == NULL) {
        if (PyErr_Occurred() || (st = PyObject_CallOneArg(g_adopt, task)) == NULL) {
            Py_DECREF(task);
            return NULL;
        }
        if (st == Py_None) {
            Py_DECREF(task);
            return st;
        }
    }
    PyObject *coro = fast_attr(&a_coro, task);
    if (coro == NULL) {
        Py_DECREF(task);
        Py_DECREF(st);
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    int i = cur_slot(1);
    if (i < 0 || g_cur[i].depth >= NDEPTH) {
        Py_DECREF(task);
        Py_DECREF(coro);
        Py_DECREF(st);
        Py_RETURN_NONE; /* (not recorded) */
    }
    int d = g_cur[i].depth++;
    Cur *e = &g_cur[i].ents[d];
    e->st = st;
    e->task = task;
    e->coro = coro;
    e->t0 = now_ns();
    return PyLong_FromLong(d);
}

static PyObject *
mod_begin(PyObject *mod, PyObject *h)
{
    PyObject *cb = fast_attr(&a_callback, h);
    return cb == NULL ? NULL : begin_h(h, cb);
}

#endif

/* ---- create_task's per-task work (_rec._make_create_task_np, _make_create_task), in C -------------------------------
 * create(orig, loop, coro, kwargs): what _create_task_np does for a coroutine, record for record: a _TS, the
 * parent, the creation site (the first program frame outwards from the caller, as _prog_frame), orig's task, its
 * `task` record, an eager first step.  What is not the common case calls the same Python helpers.
 * 3.9-3.13: create(orig, loop, coro, kwargs) is what _make_create_task's create_task does: the proxy made, orig given
 * it, the `task` record. */

static PyObject *g_next_id, *g_ctasks, *g_task_id, *g_lib_fallback, *g_new_task_name, *g_loop_info, *g_loop_id;
#if PY_VERSION_HEX >= 0x030E0000
static PyObject *g_c_current, *g_eager;
#endif

/* The creation site's frame (a new reference, or NULL for none; -1 on error): the first frame outwards from f0
 * that is not library code, up to the loop's boundary; else _lib_fallback(f0). */
static PyObject *g_prog_code; /* the last program code met here (held: its id stays its own) */

static int
creation_frame(PyFrameObject *f0, PyObject **out)
{
    *out = NULL;
    PyFrameObject *f = (PyFrameObject *)Py_XNewRef((PyObject *)f0);
    while (f != NULL) {
        PyCodeObject *co = PyFrame_GetCode(f);
        PyObject *r;
        if ((PyObject *)co == g_prog_code) {
            r = Py_NewRef(Py_False);
        }
        else {
            PyObject *key = PyLong_FromVoidPtr(co);
            if (key == NULL) {
                Py_DECREF(co);
                Py_DECREF(f);
                return -1;
            }
            r = Py_XNewRef(PyDict_GetItemWithError(g_lib, key));
            Py_DECREF(key);
            if (r == NULL && !PyErr_Occurred())
                r = PyObject_CallOneArg(g_classify, (PyObject *)co);
        }
        if (r == NULL) {
            Py_DECREF(co);
            Py_DECREF(f);
            return -1;
        }
        int stop = r == g_stop || (PyLong_CheckExact(r) && PyObject_RichCompareBool(r, g_stop, Py_EQ) == 1);
        int lib = stop || PyObject_IsTrue(r);
        Py_DECREF(r);
        if (lib == 0)
            Py_XSETREF(g_prog_code, (PyObject *)co);
        else
            Py_DECREF(co);
        if (lib < 0) {
            Py_DECREF(f);
            return -1;
        }
        if (!lib) {
            *out = (PyObject *)f;
            return 0;
        }
        if (stop) {
            Py_DECREF(f);
            break;
        }
        PyFrameObject *b = PyFrame_GetBack(f);
        Py_DECREF(f);
        f = b;
    }
    PyObject *fb = PyObject_CallOneArg(g_lib_fallback, f0 ? (PyObject *)f0 : Py_None);
    if (fb == NULL)
        return -1;
    if (fb == Py_None)
        Py_DECREF(fb);
    else
        *out = fb;
    return 0;
}

/* The loop's id (a new reference), as _loop_info / _loop_id.  The last loop's _loop_info entry is remembered (its
 * weakref says whether it is still that loop's). */
static PyObject *g_last_info;

static PyObject *
loop_id(PyObject *loop)
{
    if (g_last_info != NULL && PyList_GET_SIZE(g_last_info) >= 3) {
#if PY_VERSION_HEX >= 0x030D0000
        PyObject *lp = NULL;
        if (PyWeakref_GetRef(PyList_GET_ITEM(g_last_info, 2), &lp) < 0)
            return NULL;
        Py_XDECREF(lp);
#else
        PyObject *lp = PyWeakref_GetObject(PyList_GET_ITEM(g_last_info, 2));
        if (lp == NULL)
            return NULL;
#endif
        if (lp == loop && lp != NULL)
            return Py_NewRef(PyList_GET_ITEM(g_last_info, 0));
    }
    PyObject *key = PyLong_FromVoidPtr(loop);
    if (key == NULL)
        return NULL;
    PyObject *info = PyDict_GetItemWithError(g_loop_info, key);
    Py_DECREF(key);
    if (info != NULL && PyList_CheckExact(info) && PyList_GET_SIZE(info) >= 3) {
        PyObject *lp = PyObject_CallNoArgs(PyList_GET_ITEM(info, 2));
        if (lp == NULL)
            return NULL;
        Py_DECREF(lp);
        if (lp == loop) {
            if (PyWeakref_CheckRefExact(PyList_GET_ITEM(info, 2)))
                Py_XSETREF(g_last_info, Py_NewRef(info));
            return Py_NewRef(PyList_GET_ITEM(info, 0));
        }
    }
    else if (PyErr_Occurred()) {
        return NULL;
    }
    return PyObject_CallOneArg(g_loop_id, loop);
}

/* The creation site's frame (see creation_frame) of a create_task called from the current frame (skip 0) or from
 * its caller (skip 1: the current frame is the recorder's Python wrapper).  0, or -1 on error. */
static int
caller_site(int skip, PyObject **f)
{
    PyFrameObject *cur = PyEval_GetFrame(); /* (borrowed) */
    if (!skip || cur == NULL)
        return creation_frame(cur, f);
    PyFrameObject *caller = PyFrame_GetBack(cur);
    int bad = creation_frame(caller, f);
    Py_XDECREF(caller);
    return bad;
}

/* orig(loop, c, **kw): args is (loop, coro) followed by the values of kwnames, or kwargs a dict */
static PyObject *
call_orig(PyObject *orig, PyObject *const *args, PyObject *c, PyObject *kwnames, PyObject *kwargs)
{
    if (kwargs != NULL) {
        PyObject *a[2] = {args[0], c};
        return PyObject_VectorcallDict(orig, a, 2, kwargs);
    }
    if (c == args[1])
        return PyObject_Vectorcall(orig, args, 2, kwnames);
    Py_ssize_t n = 2 + (kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames));
    PyObject *small[8], **a = n <= 8 ? small : PyMem_Malloc(n * sizeof(PyObject *));
    if (a == NULL)
        return PyErr_NoMemory();
    memcpy(a, args, n * sizeof(PyObject *));
    a[1] = c;
    PyObject *r = PyObject_Vectorcall(orig, a, 2, kwnames);
    if (a != small)
        PyMem_Free(a);
    return r;
}

static PyObject *create_impl(PyObject *orig, PyObject *const *args, PyObject *kwnames, PyObject *kwargs, int skip);

/* create(orig, loop, coro, kwargs): from the recorder's Python wrapper */
static PyObject *
mod_create(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyDict_Check(args[3]) || g_ctasks == NULL) {
        PyErr_SetString(PyExc_TypeError, "create(orig, loop, coro, kwargs)");
        return NULL;
    }
    return create_impl(args[0], args + 1, NULL, args[3], 1);
}

/* The loop class's create_task as a C method (create_method(orig, wrapper)): a call with a coroutine goes to
 * create() without a Python frame or a dict of keyword arguments per task; any other call to orig, as the wrapper
 * does, or (not two positional arguments) to the wrapper itself. */
typedef struct {
    PyObject_HEAD
    PyObject *orig, *py;
    vectorcallfunc vectorcall;
} CreateMeth;

static PyObject *
cm_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    CreateMeth *m = (CreateMeth *)self;
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (n != 2)
        return PyObject_Vectorcall(m->py, args, n, kwnames);
    if (Py_TYPE(args[1]) != &PyCoro_Type || g_ctasks == NULL)
        return PyObject_Vectorcall(m->orig, args, n, kwnames);
    return create_impl(m->orig, args, kwnames, NULL, 0);
}

static PyObject *
cm_descr_get(PyObject *self, PyObject *obj, PyObject *type)
{
    if (obj == NULL || obj == Py_None)
        return Py_NewRef(self);
    return PyMethod_New(self, obj);
}

static int
cm_traverse(CreateMeth *self, visitproc visit, void *arg)
{
    Py_VISIT(self->orig);
    Py_VISIT(self->py);
    return 0;
}

static int
cm_clear(CreateMeth *self)
{
    Py_CLEAR(self->orig);
    Py_CLEAR(self->py);
    return 0;
}

static void
cm_dealloc(CreateMeth *self)
{
    PyObject_GC_UnTrack(self);
    cm_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* __name__, __qualname__, __doc__, __module__, __wrapped__: the wrapper's */
static PyObject *
cm_attr(CreateMeth *self, void *name)
{
    return PyObject_GetAttrString(self->py, (const char *)name);
}

/* __signature__: the original's (inspect.signature of a loop's create_task reads as without the recorder) */
static PyObject *
cm_signature(CreateMeth *self, void *closure)
{
    PyObject *inspect = PyImport_ImportModule("inspect");
    if (inspect == NULL)
        return NULL;
    PyObject *r = PyObject_CallMethod(inspect, "signature", "O", self->orig);
    Py_DECREF(inspect);
    return r;
}

static PyGetSetDef cm_getset[] = {
    {"__signature__", (getter)cm_signature, NULL, NULL, NULL},
    {"__name__", (getter)cm_attr, NULL, NULL, "__name__"},
    {"__qualname__", (getter)cm_attr, NULL, NULL, "__qualname__"},
    {"__doc__", (getter)cm_attr, NULL, NULL, "__doc__"},
    {"__module__", (getter)cm_attr, NULL, NULL, "__module__"},
    {"__wrapped__", (getter)cm_attr, NULL, NULL, "__wrapped__"},
    {NULL}
};

static PyTypeObject CreateMethType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "async_lanes._speedups.create_task",
    .tp_basicsize = sizeof(CreateMeth),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_vectorcall_offset = offsetof(CreateMeth, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_descr_get = cm_descr_get,
    .tp_dealloc = (destructor)cm_dealloc,
    .tp_traverse = (traverseproc)cm_traverse,
    .tp_clear = (inquiry)cm_clear,
    .tp_getset = cm_getset,
};

static PyObject *
mod_create_method(PyObject *mod, PyObject *args)
{
    PyObject *orig, *py;
    if (!PyArg_ParseTuple(args, "OO:create_method", &orig, &py))
        return NULL;
    if (PyType_Ready(&CreateMethType) < 0)
        return NULL;
    CreateMeth *m = PyObject_GC_New(CreateMeth, &CreateMethType);
    if (m == NULL)
        return NULL;
    m->orig = Py_NewRef(orig);
    m->py = Py_NewRef(py);
    m->vectorcall = cm_vectorcall;
    PyObject_GC_Track(m);
    return (PyObject *)m;
}

/* A new task's name as recorded (a new reference; NULL with an exception set): its name field when that is the int N
 * or a str, else get_name().  The first C Task finds the field (see name_field). */
static PyObject *
task_name(PyObject *task, PyObject *coro)
{
#ifdef NAME_FIELD
    PyObject *v = name_field(task);
    if (v != NULL && (PyLong_CheckExact(v) || PyUnicode_CheckExact(v)))
        return Py_NewRef(v);
    if (g_name_off == 0 && strcmp(Py_TYPE(task)->tp_name, "_asyncio.Task") == 0) {
        /* the word after the coroutine's, the coroutine's found exactly once (not at all: an eager task that
         * ended in its constructor, the next task is looked at) */
        Py_ssize_t size = Py_TYPE(task)->tp_basicsize, at = 0;
        for (Py_ssize_t o = sizeof(PyObject); o + 2 * (Py_ssize_t)sizeof(PyObject *) <= size; o += sizeof(PyObject *))
            if (*(PyObject **)((char *)task + o) == coro)
                at = at ? -1 : o;
        if (at < 0)
            g_name_off = -1;
        if (at > 0) {
            g_name_off = -1;
            Py_ssize_t off = at + sizeof(PyObject *);
            v = *(PyObject **)((char *)task + off);
            PyObject *want = v == NULL || !(PyLong_CheckExact(v) || PyUnicode_CheckExact(v)) ? NULL : name_str(v);
            PyObject *name = want == NULL ? NULL : PyObject_CallMethodNoArgs(task, s_get_name);
            /* get_name() returns that name, and a str field is what it returns (the int is replaced by it) */
            int ok = name != NULL && PyUnicode_CheckExact(name) && PyUnicode_Compare(name, want) == 0
                     && *(PyObject **)((char *)task + off) == name;
            Py_XDECREF(want);
            PyErr_Clear();
            if (ok) {
                g_ctask_type = Py_TYPE(task);
                g_name_off = off;
            }
            if (name != NULL)
                return name;
        }
    }
#endif
    return PyObject_CallMethodNoArgs(task, s_get_name);
}

#if PY_VERSION_HEX >= 0x030E0000
static PyObject *
mod_setup_create(PyObject *mod, PyObject *args)
{
    PyObject *a[12];
    if (!PyArg_ParseTuple(args, "OOO!OO!OOOO!OO!O:setup_create", &a[0], &a[1], &PyDict_Type, &a[2], &a[3],
                          &PyDict_Type, &a[4], &a[5], &a[6], &a[7], &PyList_Type, &a[8], &a[9], &PyDict_Type,
                          &a[10], &a[11]))
        return NULL;
    PyObject **g[12] = {&g_next_id, &g_c_current, &g_ctasks, &g_task_id, &g_lib, &g_classify, &g_lib_fallback,
                        &g_stop, &g_eager, &g_new_task_name, &g_loop_info, &g_loop_id};
    for (int i = 0; i < 12; i++)
        Py_XSETREF(*g[i], Py_NewRef(a[i]));
    Py_RETURN_NONE;
}

/* The id of the recorded task `parent` (a new reference; None when it has none), as _task_id. */
static PyObject *
parent_id(PyObject *parent)
{
    PyObject *key = PyLong_FromVoidPtr(parent);
    if (key == NULL)
        return NULL;
    PyObject *q = PyDict_GetItemWithError(g_treg, key);
    Py_DECREF(key);
    if (q != NULL && Py_TYPE(q) == &TSType)
        return Py_NewRef(((TS *)q)->id);
    if (PyErr_Occurred())
        return NULL;
    return PyObject_CallOneArg(g_task_id, parent);
}

static PyObject *mod_register(PyObject *mod, PyObject *const *args, Py_ssize_t nargs);

/* After orig made the task: registered, named, its `task` record; an eager first step recorded.  -1 on error. */
static int
created(TS *st, PyObject *task, PyObject *loop, PyObject *coro, PyObject *tid, PyObject *parent, PyObject *f,
        long long t, long long t1)
{
    if (st->task == Py_None) {
        PyObject *a[2] = {task, (PyObject *)st};
        PyObject *r = mod_register(NULL, a, 2);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
    }
    PyObject *name = task_name(task, coro), *stb = NULL;
    if (name != NULL && (PyUnicode_CheckExact(name) || PyLong_CheckExact(name))) {
        stb = fast_attr(&a_source_tb, task);
        int has = stb == NULL ? -1 : PyObject_IsTrue(stb);
        Py_XDECREF(stb);
        if (has != 0)
            Py_CLEAR(name);
    }
    else {
        Py_CLEAR(name);
    }
    if (name == NULL) {
        PyErr_Clear();
        name = PyObject_CallOneArg(g_new_task_name, task);
        if (name == NULL)
            return -1;
    }
    Py_XSETREF(st->name, Py_NewRef(name));
    PyObject *qn = NULL, *lid = NULL, *to = NULL;
    Fld cid = {Py_None}, la = {NULL, 0}; /* (the site: id(code), as PyLong_FromVoidPtr, and lasti) */
    int rc = -1;
    if (f != NULL) {
        PyCodeObject *co = PyFrame_GetCode((PyFrameObject *)f);
        int bad = code_known((PyObject *)co);
        cid.o = NULL;
        cid.v = (long long)(uintptr_t)co;
        Py_DECREF(co);
        if (bad < 0)
            goto done;
        la.v = PyFrame_GetLasti((PyFrameObject *)f);
    }
    if ((qn = PyObject_GetAttr(coro, s_qualname)) == NULL || (lid = loop_id(loop)) == NULL)
        goto done;
    if (!g_off && g_flush_buf != NULL) {
        Fld rec[9] = {{s_task}, {NULL, t}, {tid}, {parent}, {name}, {qn}, cid, la, {lid}};
        if (rb_record(rec, 9) < 0)
            goto done;
    }
    /* an eager first step ran (in the task's constructor) */
    PyObject *d = PyObject_CallMethodNoArgs(task, s_done);
    int eager = d == NULL ? -1 : PyObject_IsTrue(d);
    Py_XDECREF(d);
    if (eager == 0) {
        PyObject *sus = fast_attr(&a_cr_suspended, coro);
        eager = sus == NULL ? -1 : PyObject_IsTrue(sus);
        Py_XDECREF(sus);
    }
    if (eager < 0)
        goto done;
    if (eager) {
        PyObject *t1o = PyLong_FromLongLong(t1);
        if (t1o == NULL || (to = PyLong_FromLongLong(t)) == NULL) {
            Py_XDECREF(t1o);
            goto done;
        }
        PyObject *args[5] = {(PyObject *)st, task, coro, to, t1o};
        PyObject *r = PyObject_Vectorcall(g_step_end, args, 5, NULL);
        Py_DECREF(t1o);
        if (r == NULL)
            goto done;
        Py_DECREF(r);
    }
    rc = 0;
done:
    Py_DECREF(name);
    Py_XDECREF(qn);
    Py_XDECREF(lid);
    Py_XDECREF(to);
    return rc;
}

static PyObject *
create_impl(PyObject *orig, PyObject *const *args, PyObject *kwnames, PyObject *kwargs, int skip)
{
    PyObject *loop = args[0], *coro = args[1];
    long long t = now_ns();
    PyObject *tid = NULL, *st = NULL, *parent = NULL, *f = NULL, *entry = NULL, *code = NULL;
    /* before the task exists: a failure here only means that the task is not recorded this way */
    if ((tid = PyObject_CallNoArgs(g_next_id)) == NULL || (code = fast_attr(&a_cr_code, coro)) == NULL
        || (st = ts_make(&TSType, tid, code)) == NULL
        || (parent = PyObject_CallOneArg(g_c_current, loop)) == NULL)
        goto plain;
    if (parent == Py_None && PyDict_GET_SIZE(g_ctasks)) {
        PyObject *p = PyDict_GetItemWithError(g_ctasks, loop);
        if (p == NULL && PyErr_Occurred())
            goto plain;
        if (p != NULL)
            Py_SETREF(parent, Py_NewRef(p));
    }
    if (parent != Py_None) {
        PyObject *pid = parent_id(parent);
        if (pid == NULL)
            goto plain;
        Py_SETREF(parent, pid);
    }
    if (caller_site(skip, &f) < 0 || (entry = PyTuple_Pack(2, st, coro)) == NULL || PyList_Append(g_eager, entry) < 0)
        goto plain;
    PyObject *task = call_orig(orig, args, coro, kwnames, kwargs);
    Py_ssize_t n = PyList_GET_SIZE(g_eager);
    PyObject *et, *ev, *etb;
    PyErr_Fetch(&et, &ev, &etb);
    if (n > 0 && PyList_SetSlice(g_eager, n - 1, n, NULL) < 0)
        PyErr_Clear();
    PyErr_Restore(et, ev, etb);
    if (task != NULL && created((TS *)st, task, loop, coro, tid, parent, f, t, now_ns()) < 0)
        PyErr_Clear(); /* (the recorder's trouble, never the program's) */
    Py_XDECREF(tid);
    Py_XDECREF(code);
    Py_XDECREF(st);
    Py_XDECREF(parent);
    Py_XDECREF(f);
    Py_XDECREF(entry);
    return task;
plain:
    PyErr_Clear();
    Py_XDECREF(tid);
    Py_XDECREF(code);
    Py_XDECREF(st);
    Py_XDECREF(parent);
    Py_XDECREF(f);
    Py_XDECREF(entry);
    return call_orig(orig, args, coro, kwnames, kwargs);
}

#else
static PyObject *g_errs, *g_eager_done;

static PyObject *
mod_setup_create(PyObject *mod, PyObject *args)
{
    PyObject *a[12];
    if (!PyArg_ParseTuple(args, "OO!OOOOOO!OOO!O:setup_create", &a[0], &PyDict_Type, &a[1], &a[2], &a[3], &a[4],
                          &a[5], &a[6], &PyDict_Type, &a[7], &a[8], &a[9], &PyDict_Type, &a[10], &a[11]))
        return NULL;
    PyObject **g[12] = {&g_next_id, &g_ctasks, &g_task_id, &g_lib, &g_classify, &g_lib_fallback, &g_stop, &g_errs,
                        &g_eager_done, &g_new_task_name, &g_loop_info, &g_loop_id};
    for (int i = 0; i < 12; i++)
        Py_XSETREF(*g[i], Py_NewRef(a[i]));
    Py_RETURN_NONE;
}

static PyObject *proxy_make(PyTypeObject *type, PyObject *c, PyObject *i);

/* After orig made the task: the proxy's weakref and name, its `task` record.  -1 on error. */
static int
created_p(Proxy *p, PyObject *task, PyObject *loop, PyObject *coro, PyObject *parent, PyObject *f, long long t)
{
    PyObject *wr = PyWeakref_NewRef(task, NULL);
    if (wr != NULL)
        Py_SETREF(p->task, wr);
    else if (PyErr_ExceptionMatches(PyExc_TypeError))
        PyErr_Clear();
    else
        return -1;
    PyObject *name = task_name(task, (PyObject *)p);
    if (name != NULL && (PyUnicode_CheckExact(name) || PyLong_CheckExact(name))) {
        PyObject *stb = fast_attr(&a_source_tb, task);
        int has = stb == NULL ? -1 : PyObject_IsTrue(stb);
        Py_XDECREF(stb);
        if (has != 0)
            Py_CLEAR(name);
    }
    else {
        Py_CLEAR(name);
    }
    if (name == NULL) {
        PyErr_Clear();
        name = PyObject_CallOneArg(g_new_task_name, task);
        if (name == NULL)
            return -1;
    }
    Py_XSETREF(p->name, Py_NewRef(name));
    PyObject *qn = NULL, *lid = NULL;
    Fld cid = {Py_None}, la = {NULL, 0}; /* (the site: id(code), as PyLong_FromVoidPtr, and lasti) */
    int rc = -1;
    /* its coroutine ended with an exception already (an eager first step): _end had no weakref to give _errs */
    PyObject *e = PyDict_GetItemWithError(g_errs, p->id);
    if (e == Py_None && PyDict_SetItem(g_errs, p->id, p->task) < 0)
        goto done;
    if (e == NULL && PyErr_Occurred())
        goto done;
#if PY_VERSION_HEX >= 0x030C0000
    if (g_eager_done != Py_None) { /* (3.12+: an eager task done at once: its name may be set after this returns) */
        PyObject *d = PyObject_CallMethodNoArgs(task, s_done);
        int eager = d == NULL ? -1 : PyObject_IsTrue(d);
        Py_XDECREF(d);
        if (eager < 0)
            goto done;
        if (eager && PyObject_SetItem(g_eager_done, task, (PyObject *)p) < 0) {
            if (!PyErr_ExceptionMatches(PyExc_TypeError))
                goto done;
            PyErr_Clear();
        }
    }
#endif
    if (f != NULL) {
        PyCodeObject *co = PyFrame_GetCode((PyFrameObject *)f);
        int bad = code_known((PyObject *)co);
        cid.o = NULL;
        cid.v = (long long)(uintptr_t)co;
        Py_DECREF(co);
        if (bad < 0 || (la.v = frame_lasti(f)) < 0)
            goto done;
    }
    if ((qn = PyObject_GetAttr(coro, s_qualname)) == NULL || (lid = loop_id(loop)) == NULL)
        goto done;
    if (!g_off && g_flush_buf != NULL) {
        Fld rec[9] = {{s_task}, {NULL, t}, {p->id}, {parent}, {name}, {qn}, cid, la, {lid}};
        if (rb_record(rec, 9) < 0)
            goto done;
    }
    rc = 0;
done:
    Py_DECREF(name);
    Py_XDECREF(qn);
    Py_XDECREF(lid);
    return rc;
}

static PyObject *
create_impl(PyObject *orig, PyObject *const *args, PyObject *kwnames, PyObject *kwargs, int skip)
{
    PyObject *loop = args[0], *coro = args[1];
    long long t = now_ns();
    PyObject *tid = NULL, *p = NULL, *parent = NULL, *f = NULL, *task = NULL;
    /* as in Python: an exception here is the program's (the parent's _coro, the frames' code) */
    if ((tid = PyObject_CallNoArgs(g_next_id)) == NULL || (p = proxy_make(&ProxyType, coro, tid)) == NULL)
        goto out;
    parent = Py_XNewRef(PyDict_GetItemWithError(g_ctasks, loop));
    if (parent == NULL) {
        if (PyErr_Occurred())
            goto out;
        parent = Py_NewRef(Py_None);
    }
    else {
        PyObject *q = fast_attr(&a_coro, parent);
        if (q == NULL)
            goto out;
        Py_SETREF(parent, Py_TYPE(q) == &ProxyType ? Py_NewRef(((Proxy *)q)->id) : PyObject_CallOneArg(g_task_id, parent));
        Py_DECREF(q);
        if (parent == NULL)
            goto out;
    }
    if (caller_site(skip, &f) < 0)
        goto out;
    task = call_orig(orig, args, p, kwnames, kwargs);
    if (task != NULL && created_p((Proxy *)p, task, loop, coro, parent, f, t) < 0)
        PyErr_Clear(); /* (the recorder's trouble, never the program's) */
out:
    Py_XDECREF(tid);
    Py_XDECREF(p);
    Py_XDECREF(parent);
    Py_XDECREF(f);
    return task;
}
#endif

#if PY_VERSION_HEX >= 0x030E0000
static PyObject *step_done(PyObject *st, PyObject *task, PyObject *c, long long t0, long long t1);

/* done(token): the step's record (see _rec._step_end); its end, and anything that is not a step, in Python. */
static PyObject *
mod_done(PyObject *mod, PyObject *tok)
{
    if (!PyLong_CheckExact(tok))
        return cb_fn_token(tok) ? mod_cb_end(mod, tok) : PyObject_CallOneArg(g_cb_done, tok);
    long long t1 = now_ns();
    if (finish_pending() < 0)
        PyErr_Clear(); /* (the recorder's trouble, as in step_done) */
    long depth = PyLong_AsLong(tok);
    int i = cur_slot(0);
    if (i < 0 || depth < 0 || depth >= g_cur[i].depth) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    while (g_cur[i].depth > depth + 1) /* (a step whose done() never came) */
        cur_pop(i);
    Cur *e = &g_cur[i].ents[depth];
    PyObject *st = e->st, *task = e->task, *c = e->coro; /* (owned here until cur_pop below) */
    e->st = e->task = e->coro = NULL;
    long long t0 = e->t0;
    g_cur[i].depth--;
    e->t0 = 0;
    PyObject *res = step_done(st, task, c, t0, t1);
    Py_DECREF(st);
    Py_DECREF(task);
    Py_DECREF(c);
    return res;
}

/* The task ended with its coroutine's return (not cancelled, no exception): recorded in C when simple (see
 * end_ok_fast), else 0: _rec._task_end records it. */
static int
task_end_fast(PyObject *st, PyObject *task, long long t0, long long t1)
{
    if (Py_TYPE(st) != &TSType)
        return 0;
    TS *ts = (TS *)st;
    PyObject *state = PyObject_GetAttr(task, s_state);
    if (state == NULL)
        return -1;
    int fin = PyUnicode_Check(state) && PyUnicode_EqualToUTF8(state, "FINISHED");
    Py_DECREF(state);
    if (!fin)
        return 0;
    PyObject *e = PyObject_GetAttr(task, s_exception);
    if (e == NULL)
        return -1;
    Py_DECREF(e);
    if (e != Py_None)
        return 0;
    PyObject *r = PyObject_GetAttr(task, s_result);
    if (r == NULL)
        return -1;
    int rc = end_ok_fast(task, &ts->name, ts->id, ts->id_v, ts->cid, ts->cid_v, r, t0, t1);
    Py_DECREF(r);
    return rc;
}

/* The task's coroutine c ended with this step (its frame is gone): its last step and `end`. */
static NOINLINE PyObject *
step_last(PyObject *st, PyObject *task, PyObject *c, long long t0, long long t1)
{
    int fast = task_end_fast(st, task, t0, t1);
    if (fast > 0)
        Py_RETURN_NONE;
    if (fast < 0)
        goto error;
    PyObject *t1o = PyLong_FromLongLong(t1), *t0o = PyLong_FromLongLong(t0);
    if (t1o == NULL || t0o == NULL) {
        Py_XDECREF(t1o);
        Py_XDECREF(t0o);
        goto error;
    }
    PyObject *args[5] = {st, task, c, t0o, t1o};
    PyObject *r = PyObject_Vectorcall(g_step_end, args, 5, NULL);
    Py_DECREF(t1o);
    Py_DECREF(t0o);
    if (r == NULL)
        goto error;
    Py_DECREF(r);
    Py_RETURN_NONE;
error:
    PyErr_Clear(); /* (the recorder's trouble, never the program's: this step is not recorded) */
    Py_RETURN_NONE;
}

/* deep_at for ts's coroutine c, kept as the last one's */
static COLD int
step_deep_at(TS *ts, PyObject *c, long long la)
{
    int deep = deep_at((PyObject *)ts, ts->dk, c, la);
    if (deep >= 0) {
        ts->last_la = la;
        ts->last_deep = deep;
    }
    return deep;
}

/* The frame object of coroutine c after a step (a new reference), Py_None once it has ended, or NULL on error.
 * Read through cr_frame once per task: that getter is audited (an object.__getattr__ event, ~80 instructions on
 * 3.14, seen by the program's audit hooks).  A coroutine keeps its frame object, the same one, for as long as it
 * can be suspended, so ts keeps it borrowed (nothing held: the frame's life stays what it is), and uses it only
 * while cr_suspended says so (not read from the frame, which is freed with the coroutine's end). */
static inline PyObject *
step_frame(TS *ts, PyObject *c)
{
    if (c == ts->fco) {
        PyObject *sus = fast_attr(&a_cr_suspended, c);
        if (sus == NULL)
            return NULL;
        Py_DECREF(sus);
        if (sus == Py_True)
            return Py_NewRef(ts->frame);
    }
    PyObject *f = fast_attr(&a_cr_frame, c);
    if (f != NULL && PyFrame_Check(f) && PyCoro_CheckExact(c)) {
        ts->fco = c;
        ts->frame = f;
    }
    return f;
}

/* step_done for a state that is not a _TS: only its end is recorded. */
static COLD PyObject *
step_other(PyObject *st, PyObject *task, PyObject *c, long long t0, long long t1)
{
    PyObject *f = fast_attr(&a_cr_frame, c);
    if (f == NULL) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    Py_DECREF(f);
    if (f == Py_None)
        return step_last(st, task, c, t0, t1);
    Py_RETURN_NONE;
}

static PyObject *
step_done(PyObject *st, PyObject *task, PyObject *c, long long t0, long long t1)
{
    if (Py_TYPE(st) != &TSType)
        return step_other(st, task, c, t0, t1);
    TS *ts = (TS *)st;
    /* the task is done exactly when its coroutine finished (its frame is gone): no call of task.done() */
    PyObject *f = step_frame(ts, c);
    if (f == NULL)
        goto error;
    if (f == Py_None) {
        Py_DECREF(f);
        ts->fco = ts->frame = NULL;
        return step_last(st, task, c, t0, t1);
    }
    if (!PyFrame_Check(f)) {
        Py_DECREF(f);
        Py_RETURN_NONE;
    }
    long long la = PyFrame_GetLasti((PyFrameObject *)f);
    Py_DECREF(f);
    int deep = la == ts->last_la ? ts->last_deep : step_deep_at(ts, c, la);
    if (deep < 0)
        goto error;
    long long cid = ts->cid_v, aw = NONE_ID;
    if (deep && deep_site(c, &cid, &la) < 0)
        goto error;
    PyObject *w = fast_attr(&a_fut_waiter, task);
    if (w == NULL)
        goto error;
    if (w != Py_None) {
        PyObject *a = NULL;
        if (Py_TYPE(w) == g_fut_type) {
            a = fast_attr(&a_al_id, w);
            if (a == NULL)
                PyErr_Clear();
        }
        if (a == NULL)
            a = PyObject_CallOneArg(g_aid, w);
        Py_DECREF(w);
        if (a == NULL)
            goto error;
        int bad = as_ll(a, &aw);
        Py_DECREF(a);
        if (bad < 0)
            goto error;
    }
    else {
        Py_DECREF(w);
    }
    if (push_step(t0, ts->id_v, t1, aw, cid, la) < 0)
        goto error;
    maybe_flush();
    Py_RETURN_NONE;
error:
    PyErr_Clear(); /* (the recorder's trouble, never the program's: this step is not recorded) */
    Py_RETURN_NONE;
}
#endif

/* ---- a future's creation and result (_rec.Future's records), in C --------------------------------------------- */

static PyObject *g_kind_of; /* _rec._kind_of(code) -> kind or '' */
static PyObject *g_io_loops, *g_timer_handle, *g_via_of, *g_brepr;
static PyObject *s_fut, *s_future, *s_set, *s_result_state, *s_task_via, *s_thread, *s_shutdown, *s_io, *s_callback_via;
static PyObject *s_timer, *s_is_running, *s_loop;
static FastAttr a_loop = {&s_loop};
static PyObject *g_id_count; /* the itertools.count behind _next_id */

/* _next_id(): its count's next, without the call through the bound __next__ */
static PyObject *
next_id(void)
{
    return Py_TYPE(g_id_count)->tp_iternext(g_id_count);
}

/* The id of the task running on loop (a new reference; None when none is), as _task_id(_cur_task(loop)). */
static PyObject *
running_task_id(PyObject *loop)
{
#if PY_VERSION_HEX >= 0x030E0000
    PyObject *t = PyObject_CallOneArg(g_c_current, loop);
    if (t == NULL)
        return NULL;
    if (t == Py_None && PyDict_GET_SIZE(g_ctasks)) {
        PyObject *p = PyDict_GetItemWithError(g_ctasks, loop);
        if (p == NULL && PyErr_Occurred()) {
            Py_DECREF(t);
            return NULL;
        }
        if (p != NULL)
            Py_SETREF(t, Py_NewRef(p));
    }
    if (t != Py_None)
        Py_SETREF(t, parent_id(t));
    return t;
#else
    /* (3.9-3.13: the running task is in _current_tasks; a task made by the loop's create_task runs a proxy, which
     * holds its id) */
    PyObject *t = PyDict_GetItemWithError(g_ctasks, loop);
    if (t == NULL)
        return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    Py_INCREF(t);
    PyObject *p = fast_attr(&a_coro, t), *id;
    if (p == NULL) {
        PyErr_Clear();
        id = Py_NewRef(Py_None); /* (as _task_id) */
    }
    else if (Py_TYPE(p) == &ProxyType && ((Proxy *)p)->id != NULL) {
        id = Py_NewRef(((Proxy *)p)->id);
    }
    else {
        id = PyObject_CallOneArg(g_task_id, t);
    }
    Py_XDECREF(p);
    Py_DECREF(t);
    return id;
#endif
}

/* The future's id (set as its _al_id) and its `fut` record, as _rec._fut_made makes them: the kind from the library
 * frames below the creation site (a semaphore's acquire, a stream's read...), the site (the first program frame
 * outwards from f0, Future()'s caller, up to the loop's boundary; else _lib_fallback), the task running on the
 * loop as its owner.  A failure leaves the future unrecorded. */
static void
fut_record(PyObject *fut, PyObject *loop, PyFrameObject *f0)
{
    PyObject *fid = NULL, *owner = NULL, *cid = NULL;
    PyObject *kind = NULL; /* borrowed from a CodeSlot */
    PyFrameObject *f = (PyFrameObject *)Py_XNewRef((PyObject *)f0);
    long long la = 0, now = now_ns();
    if ((fid = next_id()) == NULL || PyObject_SetAttr(fut, s_al_id, fid) < 0)
        goto error;
    int fallback = 1;
    while (f != NULL) {
        PyCodeObject *co = PyFrame_GetCode(f);
        CodeSlot *e = code_slot((PyObject *)co);
        if (e != NULL && e->lib && e->kind == NULL) {
            PyObject *k = PyObject_CallOneArg(g_kind_of, (PyObject *)co);
            if (k != NULL && (e = codec_find(co)) != NULL) {
                e->kind = k; /* (kept: the slot lives as long as the process) */
            }
            else {
                Py_XDECREF(k);
                e = NULL;
            }
        }
        Py_DECREF(co);
        if (e == NULL)
            goto error;
        if (!e->lib) {
            fallback = 0;
            break;
        }
        if (kind == NULL && PyUnicode_GET_LENGTH(e->kind) > 0)
            kind = e->kind;
        if (e->stop)
            break;
        Py_SETREF(f, PyFrame_GetBack(f));
    }
    if (fallback) {
        Py_CLEAR(f);
        PyObject *fb = PyObject_CallOneArg(g_lib_fallback, f0 ? (PyObject *)f0 : Py_None);
        if (fb == NULL)
            goto error;
        if (fb == Py_None)
            Py_DECREF(fb);
        else
            f = (PyFrameObject *)fb;
    }
    if (f != NULL && PyFrame_Check(f)) {
        PyCodeObject *co = PyFrame_GetCode(f);
        la = frame_lasti((PyObject *)f);
        int bad = (la == -1 && PyErr_Occurred()) || code_known((PyObject *)co) < 0;
        cid = bad ? NULL : PyLong_FromVoidPtr(co);
        Py_DECREF(co);
        if (cid == NULL)
            goto error;
    }
    else {
        cid = Py_NewRef(Py_None);
    }
    if ((owner = running_task_id(loop)) == NULL)
        goto error;
    Fld rec[8] = {{s_fut}, {NULL, now}, {fid}, {kind ? kind : s_future}, {owner}, {cid}, {NULL, la}, {Py_None}};
    if (rb_record(rec, 8) < 0)
        goto error;
    maybe_flush();
error:
    PyErr_Clear(); /* (the recorder's trouble, never the program's) */
    Py_XDECREF(fid);
    Py_XDECREF(owner);
    Py_XDECREF(cid);
    Py_XDECREF(f);
}

static PyObject *g_cfut_init;   /* _CFuture.__init__ */
static initproc g_cfut_tp_init; /* the C Future's tp_init */
static PyObject *g_fut_made;    /* _rec._fut_made(future, f0): the record of a debug loop's future */

/* The record of future fut, just initialised, as _rec.Future.__init__ makes it (a debug loop's future, whose creation
 * stack is trimmed, in Python).  Never raises. */
static void
fut_made(PyObject *fut)
{
    if (g_off || g_flush_buf == NULL)
        return;
    PyObject *loop = NULL, *r = NULL;
    PyFrameObject *f0 = PyEval_GetFrame(); /* (borrowed: Future()'s caller) */
    PyObject *stb = fast_attr(&a_source_tb, fut);
    int debug = stb == NULL ? -1 : PyObject_IsTrue(stb);
    Py_XDECREF(stb);
    if (debug > 0)
        r = PyObject_CallFunctionObjArgs(g_fut_made, fut, f0 ? (PyObject *)f0 : Py_None, NULL);
    else if (debug == 0 && (loop = fast_attr(&a_loop, fut)) != NULL)
        fut_record(fut, loop, f0);
    Py_XDECREF(r);
    Py_XDECREF(loop);
    PyErr_Clear(); /* (the recorder's trouble, never the program's) */
}

/* fut_init(future, *args, **kwargs): _rec.Future.__init__ with the accelerator (an instancemethod: the future comes
 * first, for a subclass's __init__ and super()): the C Future's __init__, then the record. */
static PyObject *
mod_fut_init(PyObject *mod, PyObject *args, PyObject *kw)
{
    PyObject *r = PyObject_Call(g_cfut_init, args, kw); /* (it checks that args[0] is a Future) */
    if (r == NULL)
        return NULL;
    Py_DECREF(r);
    fut_made(PyTuple_GET_ITEM(args, 0));
    Py_RETURN_NONE;
}

/* _rec.Future's own tp_init, the same: Future() calls it without looking __init__ up and binding it (slot_tp_init:
 * about 3K instructions a future on 3.11). */
static int
fut_tp_init(PyObject *self, PyObject *args, PyObject *kw)
{
    if (g_cfut_tp_init(self, args, kw) < 0)
        return -1;
    fut_made(self);
    return 0;
}

/* _rec._via_of(cb) (borrowed: an interned string), kept in the code's slot when cb is a function or a function bound
 * to an object (_via_of's answer depends on the code only), or NULL on error. */
static PyObject *
via_of(PyObject *cb)
{
    PyObject *fn = PyMethod_Check(cb) ? PyMethod_GET_FUNCTION(cb) : cb, *co = NULL;
    if (PyFunction_Check(fn)) {
        co = PyFunction_GET_CODE(fn);
        CodeSlot *e = code_slot(co);
        if (e == NULL)
            return NULL;
        if (e->via != NULL)
            return e->via;
    }
    PyObject *v = PyObject_CallOneArg(g_via_of, cb);
    if (v == NULL)
        return NULL;
    PyUnicode_InternInPlace(&v);
    CodeSlot *e = co == NULL ? NULL : codec_find(co);
    if (e != NULL && e->via == NULL)
        e->via = Py_NewRef(v); /* (kept: the slot lives as long as the process) */
    Py_DECREF(v); /* (_via_of answers constants of its code, or what its cache holds) */
    return v;
}

/* What resolved a future now, as _rec._resolver: *by (a new reference: a task id, or None) and *via (borrowed).
 * 0, or -1 on error. */
static int
resolver(PyObject *loop, PyObject **by, PyObject **via)
{
    *by = NULL;
    unsigned long ident = PyThread_get_thread_ident();
    PyObject *key = PyLong_FromVoidPtr(loop);
    if (key == NULL)
        return -1;
    PyObject *info = PyDict_GetItemWithError(g_loop_info, key);
    Py_DECREF(key);
    if (info == NULL && PyErr_Occurred())
        return -1;
    if (info != NULL && PyList_CheckExact(info) && PyList_GET_SIZE(info) >= 2 && PyList_GET_ITEM(info, 1) != Py_None) {
        unsigned long tident = PyLong_AsUnsignedLong(PyList_GET_ITEM(info, 1));
        if (tident == (unsigned long)-1 && PyErr_Occurred())
            return -1;
        if (tident != ident) {
            *by = Py_NewRef(Py_None);
            *via = s_thread;
            return 0;
        }
    }
    PyObject *t = running_task_id(loop);
    if (t == NULL)
        return -1;
    if (t != Py_None) {
        *by = t;
        *via = s_task_via;
        return 0;
    }
    Py_DECREF(t);
    PyObject *io = PyLong_FromUnsignedLong(ident);
    if (io == NULL)
        return -1;
    PyObject *cur = PyDict_GetItemWithError(g_cbcur, io);
    Py_DECREF(io);
    if (cur == NULL && PyErr_Occurred())
        return -1;
    PyObject *h = cur != NULL && PyTuple_CheckExact(cur) && PyTuple_GET_SIZE(cur) == 2 ? PyTuple_GET_ITEM(cur, 1) : NULL;
    *by = Py_NewRef(Py_None);
    if (h == NULL) {
        PyObject *r = PyObject_CallMethodNoArgs(loop, s_is_running);
        int running = r == NULL ? -1 : PyObject_IsTrue(r);
        Py_XDECREF(r);
        if (running < 0)
            return -1;
        if (!running) {
            *via = s_shutdown;
            return 0;
        }
        /* (uvloop runs its I/O callbacks into protocols in C: with every Python callback it runs timed, what
         * resolves a future outside them is a socket event) */
        int c_io = PySequence_Contains(g_io_loops, (PyObject *)Py_TYPE(loop));
        if (c_io < 0)
            return -1;
        *via = c_io ? s_io : s_callback_via;
        return 0;
    }
    if ((PyObject *)Py_TYPE(h) == g_timer_handle) {
        *via = s_timer;
        return 0;
    }
    PyObject *cb = fast_attr(&a_callback, h);
    *via = cb == NULL ? NULL : via_of(cb);
    Py_XDECREF(cb);
    return *via == NULL ? -1 : 0;
}

/* fut_set(future, result): the `set` record of a future whose set_result just returned (_rec.Future.set_result's
 * record).  Never raises. */
static PyObject *
mod_fut_set(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || g_off || g_flush_buf == NULL || g_via_of == NULL)
        Py_RETURN_NONE;
    long long now = now_ns();
    PyObject *fut = args[0], *result = args[1], *loop = NULL, *fid = NULL, *by = NULL, *via = NULL, *text = NULL;
    if ((loop = fast_attr(&a_loop, fut)) == NULL || resolver(loop, &by, &via) < 0)
        goto error;
    if ((fid = fast_attr(&a_al_id, fut)) == NULL)
        goto error;
    text = result == Py_None ? Py_NewRef(Py_None) : PyObject_CallOneArg(g_brepr, result);
    if (text == NULL)
        goto error;
    Fld rec[7] = {{s_set}, {NULL, now}, {fid}, {s_result_state}, {by}, {via}, {text}};
    if (rb_record(rec, 7) < 0)
        goto error;
    maybe_flush();
error:
    PyErr_Clear(); /* (the recorder's trouble, never the program's) */
    Py_XDECREF(text);
    Py_XDECREF(by);
    Py_XDECREF(fid);
    Py_XDECREF(loop);
    Py_RETURN_NONE;
}

static PyMethodDef fut_init_def = {"fut_init", (PyCFunction)(void (*)(void))mod_fut_init, METH_VARARGS | METH_KEYWORDS,
                                    "Future.__init__, recorded"};

static PyObject *
mod_setup_fut(PyObject *mod, PyObject *args)
{
    PyObject *a[13];
    if (!PyArg_ParseTuple(args, "OOOOOOO!OOO!O!O!O:setup_fut", &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &PyDict_Type,
                          &a[6], &a[7], &a[8], &PyDict_Type, &a[9], &PyType_Type, &a[10], &PyType_Type, &a[11],
                          &a[12]))
        return NULL;
    PyTypeObject *cfut = (PyTypeObject *)a[10], *fut = (PyTypeObject *)a[11];
    if (!PyType_IsSubtype(fut, cfut) || cfut->tp_init == NULL) {
        PyErr_SetString(PyExc_TypeError, "setup_fut: Future must subclass the C Future");
        return NULL;
    }
    PyObject *count = PyObject_GetAttrString(a[5], "__self__");
    if (count == NULL || Py_TYPE(count)->tp_iternext == NULL) {
        Py_XDECREF(count);
        PyErr_SetString(PyExc_TypeError, "setup_fut: _next_id must be a count's __next__");
        return NULL;
    }
    Py_XSETREF(g_id_count, count);
    PyObject *cinit = PyObject_GetAttrString(a[10], "__init__");
    PyObject *init = cinit == NULL ? NULL : PyCFunction_New(&fut_init_def, NULL);
    Py_XSETREF(init, init == NULL ? NULL : PyInstanceMethod_New(init));
    if (init == NULL) {
        Py_XDECREF(cinit);
        return NULL;
    }
    /* (3.14+: ctasks, task_id, lib_fallback and loop_info are create()'s too, the same objects) */
    PyObject **g[11] = {&g_kind_of, &g_io_loops, &g_timer_handle, &g_via_of, &g_brepr, &g_ctasks, &g_task_id,
                        &g_lib_fallback, &g_loop_info, &g_fut_made, &g_cfut_init};
    PyObject *v[11] = {a[0], a[1], a[2], a[3], a[4], a[6], a[7], a[8], a[9], a[12], cinit};
    for (int i = 0; i < 11; i++)
        Py_XSETREF(*g[i], Py_NewRef(v[i]));
    Py_DECREF(cinit);
    g_cfut_tp_init = cfut->tp_init;
    int bad = PyObject_SetAttrString(a[11], "__init__", init);
    Py_DECREF(init);
    if (bad < 0)
        return NULL;
    fut->tp_init = fut_tp_init; /* (setting __init__ made the slot slot_tp_init) */
    Py_RETURN_NONE;
}

/* ---- writer side -------------------------------------------------------- */

/* A resolved step, relative time; site -1 = null; kind: index into the kinds list or -1. */
typedef struct { long long t, tid, dur, aw, site; int kind; int seq; } RStep;

/* (cid, lasti) -> site id cache of the writer (open addressing; site_fn on a miss) */
typedef struct { long long cid, la, site; int used; } SiteSlot;
static SiteSlot *g_sites;
static size_t g_sites_cap, g_sites_n;

static int
site_put(long long cid, long long la, long long site)
{
    if ((g_sites_n + 1) * 2 > g_sites_cap) {
        size_t cap = g_sites_cap ? g_sites_cap * 2 : 1024;
        SiteSlot *n = PyMem_RawCalloc(cap, sizeof(SiteSlot));
        if (n == NULL)
            return -1;
        for (size_t i = 0; i < g_sites_cap; i++) {
            if (!g_sites[i].used)
                continue;
            size_t h = ((size_t)g_sites[i].cid * 31u + (size_t)g_sites[i].la * 1000003u) & (cap - 1);
            while (n[h].used)
                h = (h + 1) & (cap - 1);
            n[h] = g_sites[i];
        }
        PyMem_RawFree(g_sites);
        g_sites = n;
        g_sites_cap = cap;
    }
    size_t h = ((size_t)cid * 31u + (size_t)la * 1000003u) & (g_sites_cap - 1);
    while (g_sites[h].used)
        h = (h + 1) & (g_sites_cap - 1);
    g_sites[h].cid = cid; g_sites[h].la = la; g_sites[h].site = site; g_sites[h].used = 1;
    g_sites_n++;
    return 0;
}

static int
site_get(long long cid, long long la, long long *site)
{
    if (g_sites_cap == 0)
        return 0;
    size_t h = ((size_t)cid * 31u + (size_t)la * 1000003u) & (g_sites_cap - 1);
    while (g_sites[h].used) {
        if (g_sites[h].cid == cid && g_sites[h].la == la) {
            *site = g_sites[h].site;
            return 1;
        }
        h = (h + 1) & (g_sites_cap - 1);
    }
    return 0;
}

static PyObject *
ll_obj(long long v)
{
    return v == NONE_ID ? Py_NewRef(Py_None) : PyLong_FromLongLong(v);
}

/* resolve(steps, base, site_fn, folds, kinds[, ends]) -> bytes of RStep.
 * site_fn(cid, lasti) -> site id (int) or 'null' (it writes the `site` records itself);
 * folds: {fut id: (t, kind, owner, site)} of futures created by a task, not written yet: a
 * step that awaits one it created during this step, at the same site, says so (kind appended
 * to `kinds`, its index kept) and the entry is removed.
 * ends: {task id: (t, text, site)} of `ok` ends not written yet (text: JSON, without its quotes):
 * a step that awaits nothing and ends at t, at that site, says so the same way (the text in
 * `kinds`: merge writes both alike). */
static PyObject *
mod_resolve(PyObject *mod, PyObject *args)
{
    Py_buffer data;
    long long base;
    PyObject *site_fn, *folds, *kinds, *ends = NULL;
    if (!PyArg_ParseTuple(args, "y*LOO!O!|O!:resolve", &data, &base, &site_fn, &PyDict_Type, &folds,
                          &PyList_Type, &kinds, &PyDict_Type, &ends))
        return NULL;
    Py_ssize_t n = data.len / (Py_ssize_t)sizeof(Step);
    PyObject *out = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(RStep));
    if (out == NULL) {
        PyBuffer_Release(&data);
        return NULL;
    }
    RStep *rs = (RStep *)PyBytes_AS_STRING(out);
    const Step *ss = (const Step *)data.buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        Step s;
        memcpy(&s, &ss[i], sizeof(Step));
        long long site;
        if (!site_get(s.cid, s.la, &site)) {
            PyObject *co = ll_obj(s.cid), *lo = PyLong_FromLongLong(s.la);
            PyObject *r = (co && lo) ? PyObject_CallFunctionObjArgs(site_fn, co, lo, NULL) : NULL;
            Py_XDECREF(co);
            Py_XDECREF(lo);
            if (r == NULL)
                goto fail;
            if (PyLong_Check(r))
                site = PyLong_AsLongLong(r);
            else
                site = -1;
            Py_DECREF(r);
            if (site == -1 && PyErr_Occurred())
                goto fail;
            if (site_put(s.cid, s.la, site) < 0) {
                PyErr_NoMemory();
                goto fail;
            }
        }
        RStep *o = &rs[i];
        o->t = s.t0 - base;
        o->tid = s.tid;
        o->dur = s.t1 - s.t0;
        o->aw = s.aw;
        o->site = site;
        o->kind = -1;
        o->seq = (int)i;
        if (s.aw != NONE_ID && PyDict_Size(folds)) {
            PyObject *k = PyLong_FromLongLong(s.aw);
            if (k == NULL)
                goto fail;
            PyObject *f = PyDict_GetItemWithError(folds, k);
            if (f == NULL && PyErr_Occurred()) {
                Py_DECREF(k);
                goto fail;
            }
            if (f != NULL && PyTuple_Check(f) && PyTuple_GET_SIZE(f) == 4) {
                long long ft = PyLong_AsLongLong(PyTuple_GET_ITEM(f, 0));
                long long owner = PyLong_Check(PyTuple_GET_ITEM(f, 2)) ? PyLong_AsLongLong(PyTuple_GET_ITEM(f, 2)) : -2;
                PyObject *fs = PyTuple_GET_ITEM(f, 3);
                long long fsite = PyLong_Check(fs) ? PyLong_AsLongLong(fs) : -1;
                if (PyErr_Occurred()) {
                    Py_DECREF(k);
                    goto fail;
                }
                if (owner == s.tid && fsite == site && o->t <= ft && ft <= s.t1 - base) {
                    Py_ssize_t ki = PyList_GET_SIZE(kinds);
                    if (PyList_Append(kinds, PyTuple_GET_ITEM(f, 1)) < 0 || PyDict_DelItem(folds, k) < 0) {
                        Py_DECREF(k);
                        goto fail;
                    }
                    o->kind = (int)ki;
                }
            }
            Py_DECREF(k);
        }
        else if (s.aw == NONE_ID && ends != NULL && PyDict_Size(ends)) {
            PyObject *k = PyLong_FromLongLong(s.tid);
            if (k == NULL)
                goto fail;
            PyObject *e = PyDict_GetItemWithError(ends, k);
            if (e == NULL && PyErr_Occurred()) {
                Py_DECREF(k);
                goto fail;
            }
            if (e != NULL && PyTuple_Check(e) && PyTuple_GET_SIZE(e) == 3) {
                long long et = PyLong_AsLongLong(PyTuple_GET_ITEM(e, 0));
                PyObject *es = PyTuple_GET_ITEM(e, 2);
                long long esite = PyLong_Check(es) ? PyLong_AsLongLong(es) : -1;
                if (PyErr_Occurred()) {
                    Py_DECREF(k);
                    goto fail;
                }
                if (et == s.t1 - base && esite == site) {
                    Py_ssize_t ki = PyList_GET_SIZE(kinds);
                    if (PyList_Append(kinds, PyTuple_GET_ITEM(e, 1)) < 0 || PyDict_DelItem(ends, k) < 0) {
                        Py_DECREF(k);
                        goto fail;
                    }
                    o->kind = (int)ki;
                }
            }
            Py_DECREF(k);
        }
    }
    PyBuffer_Release(&data);
    return out;
fail:
    PyBuffer_Release(&data);
    Py_DECREF(out);
    return NULL;
}

static int
rstep_cmp(const void *a, const void *b)
{
    const RStep *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

typedef struct { char *p; size_t n, cap; } Out;

static int
out_grow(Out *o, size_t more)
{
    if (o->n + more <= o->cap)
        return 0;
    size_t cap = o->cap ? o->cap : 1 << 16;
    while (cap < o->n + more)
        cap *= 2;
    char *p = PyMem_RawRealloc(o->p, cap);
    if (p == NULL)
        return -1;
    o->p = p;
    o->cap = cap;
    return 0;
}

static inline void
out_raw(Out *o, const char *s, size_t n)
{
    memcpy(o->p + o->n, s, n);
    o->n += n;
}

static const char DIGITS2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* (two digits per division, and a byte loop rather than a memcpy call for these few bytes: the
 * numbers of the step lines are most of the writer's own work) */
static inline void
out_ll(Out *o, long long v)
{
    char tmp[24];
    int i = 24;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100) * 2;
        u /= 100;
        tmp[--i] = DIGITS2[r + 1];
        tmp[--i] = DIGITS2[r];
    }
    if (u >= 10) {
        tmp[--i] = DIGITS2[u * 2 + 1];
        tmp[--i] = DIGITS2[u * 2];
    }
    else {
        tmp[--i] = (char)('0' + u);
    }
    if (v < 0)
        tmp[--i] = '-';
    char *p = o->p + o->n;
    o->n += (size_t)(24 - i);
    while (i < 24)
        *p++ = tmp[i++];
}

static inline void
out_id(Out *o, long long v)
{
    if (v == NONE_ID)
        out_raw(o, "null", 4);
    else
        out_ll(o, v);
}

static int
out_str(Out *o, PyObject *s)
{
    Py_ssize_t n;
    const char *p = PyUnicode_AsUTF8AndSize(s, &n);
    if (p == NULL || out_grow(o, (size_t)n) < 0)
        return -1;
    out_raw(o, p, (size_t)n);
    return 0;
}

/* merge(rsteps, kinds, timed, prev, thr, block_fn) -> (text, prev).
 * timed: [(t, head, rest)] sorted by t (the chunk's other records); the steps are sorted (stable)
 * and merged in (a step before a record of the same time); each line is head + dt + rest.
 * A step longer than thr is followed by block_fn(t, dur, tid, site) -> rest of its block line. */
static PyObject *
mod_merge(PyObject *mod, PyObject *args)
{
    Py_buffer data;
    PyObject *kinds, *timed, *block_fn;
    long long prev, thr;
    if (!PyArg_ParseTuple(args, "y*O!O!LLO:merge", &data, &PyList_Type, &kinds, &PyList_Type, &timed,
                          &prev, &thr, &block_fn))
        return NULL;
    Py_ssize_t n = data.len / (Py_ssize_t)sizeof(RStep);
    RStep *rs = PyMem_RawMalloc((size_t)(n ? n : 1) * sizeof(RStep));
    Out o = {NULL, 0, 0};
    if (rs == NULL) {
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    memcpy(rs, data.buf, (size_t)n * sizeof(RStep));
    PyBuffer_Release(&data);
    int sorted = 1;
    for (Py_ssize_t i = 1; i < n && sorted; i++)
        if (rs[i].t < rs[i - 1].t)
            sorted = 0;
    if (!sorted)
        qsort(rs, (size_t)n, sizeof(RStep), rstep_cmp);
    Py_ssize_t m = PyList_GET_SIZE(timed), i = 0, j = 0, jr = -1;
    long long tj = 0;
    PyObject *rec = NULL;
    while (i < n || j < m) {
        if (j < m && jr != j) { /* (the next record's time: read once, not before each step) */
            jr = j;
            rec = PyList_GET_ITEM(timed, j);
            if (!PyTuple_Check(rec) || PyTuple_GET_SIZE(rec) != 3) {
                PyErr_SetString(PyExc_TypeError, "merge: timed records are (t, head, rest)");
                goto fail;
            }
            tj = PyLong_AsLongLong(PyTuple_GET_ITEM(rec, 0));
            if (tj == -1 && PyErr_Occurred())
                goto fail;
        }
        if (i < n && (j >= m || rs[i].t <= tj)) {
            RStep *s = &rs[i++];
            if (out_grow(&o, 160) < 0)
                goto nomem;
            out_raw(&o, "[\"step\",", 8);
            out_ll(&o, s->t - prev);
            prev = s->t;
            out_raw(&o, ",", 1);
            out_ll(&o, s->tid);
            out_raw(&o, ",", 1);
            out_ll(&o, s->dur);
            out_raw(&o, ",", 1);
            out_id(&o, s->aw);
            out_raw(&o, ",", 1);
            out_id(&o, s->site);
            if (s->kind >= 0 && s->kind < PyList_GET_SIZE(kinds)) {
                out_raw(&o, ",\"", 2);
                if (out_str(&o, PyList_GET_ITEM(kinds, s->kind)) < 0 || out_grow(&o, 8) < 0)
                    goto fail;
                out_raw(&o, "\"", 1);
            }
            out_raw(&o, "]\n", 2);
            if (s->dur > thr) {
                PyObject *a = PyLong_FromLongLong(s->t), *b = PyLong_FromLongLong(s->dur);
                PyObject *c = PyLong_FromLongLong(s->tid), *d = ll_obj(s->site);
                PyObject *rest = (a && b && c && d) ? PyObject_CallFunctionObjArgs(block_fn, a, b, c, d, NULL) : NULL;
                Py_XDECREF(a); Py_XDECREF(b); Py_XDECREF(c); Py_XDECREF(d);
                if (rest == NULL)
                    goto fail;
                int bad = out_grow(&o, 16) < 0;
                if (!bad) {
                    out_raw(&o, "[\"block\",0", 10);
                    bad = out_str(&o, rest) < 0 || out_grow(&o, 2) < 0;
                }
                Py_DECREF(rest);
                if (bad)
                    goto fail;
                out_raw(&o, "\n", 1);
            }
        }
        else {
            j++;
            if (out_str(&o, PyTuple_GET_ITEM(rec, 1)) < 0 || out_grow(&o, 24) < 0)
                goto fail;
            out_ll(&o, tj - prev);
            prev = tj;
            if (out_str(&o, PyTuple_GET_ITEM(rec, 2)) < 0 || out_grow(&o, 2) < 0)
                goto fail;
            out_raw(&o, "\n", 1);
        }
    }
    PyMem_RawFree(rs);
    PyObject *text = PyUnicode_DecodeUTF8(o.p ? o.p : "", (Py_ssize_t)o.n, "surrogatepass");
    PyMem_RawFree(o.p);
    if (text == NULL)
        return NULL;
    return Py_BuildValue("(NL)", text, prev);
nomem:
    PyErr_NoMemory();
fail:
    PyMem_RawFree(rs);
    PyMem_RawFree(o.p);
    return NULL;
}

static PyMethodDef mod_methods[] = {
    {"setup", mod_setup, METH_VARARGS,
     "setup(Future, decide, deep_site, aid, end, C, dk_by_code, CoroutineType) -> the proxy type"},
    {"take", mod_take, METH_O, "take(buf) -> (records: a marshalled list, steps bytes), all emptied"},
    {"pending", mod_pending, METH_NOARGS, "number of buffered steps and records"},
    {"send", mod_send, METH_VARARGS, "send(fd, list): the buffered records and steps written to fd; the rest or None"},
    {"set_flush", mod_set_flush, METH_VARARGS,
     "set_flush(callable or None, records list[, plain]): called when FLUSH_AT steps or FLUSH_RECS_AT records are buffered"},
    {"setup_sites", mod_setup_sites, METH_VARARGS,
     "setup_sites(_lib, _classify, _STOP, wrap types, _one_suspension, task classes): await sites and callbacks in C"},
    {"off", mod_off, METH_NOARGS, "record no more, keeping what is buffered (at the program's exit)"},
    {"reset", mod_reset, METH_NOARGS, "drop the buffered steps and record no more (after fork, in the child)"},
    {"now", mod_now, METH_NOARGS, "the clock the steps are timed with (ns)"},
    {"trim", mod_trim, METH_NOARGS, "trim() -> whether glibc handed free memory back to the system"},
    {"setup_cb", mod_setup_cb, METH_VARARGS,
     "setup_cb(cbcur, cb_start, cb_done, codes, reg, pending, finish_pending): plain callbacks timed in C"},
    {"cb_begin", mod_cb_begin, METH_O, "cb_begin(handle) -> token or None: before a callback"},
    {"cb_end", mod_cb_end, METH_O, "cb_end(token): after it"},
    {"uv_call_soon", mod_uv_call_soon, METH_VARARGS,
     "uv_call_soon(uvloop.Loop, its call_soon, run, treg) -> a call_soon timing its callbacks in C (see _uvloop.py)"},
    {"setup_create", mod_setup_create, METH_VARARGS,
     "3.14+: setup_create(next_id, current_task, current_tasks, task_id, lib, classify, lib_fallback, STOP, eager, "
     "new_task_name, loop_info, loop_id); 3.9-3.13: setup_create(next_id, current_tasks, task_id, lib, classify, "
     "lib_fallback, STOP, errs, eager_done or None, new_task_name, loop_info, loop_id): for create()"},
    {"create_method", mod_create_method, METH_VARARGS,
     "create_method(orig, wrapper) -> a method whose call with a coroutine is create(orig, ...), without a frame"},
    {"create", (PyCFunction)(void (*)(void))mod_create, METH_FASTCALL,
     "create(orig, loop, coro, kwargs) -> orig(loop, coro, **kwargs), recorded (3.14+: with its _TS; before, "
     "given the proxy of coro)"},
    {"fut_set", (PyCFunction)(void (*)(void))mod_fut_set, METH_FASTCALL,
     "fut_set(future, result): its `set` record after set_result, as Future.set_result"},
    {"setup_fut", mod_setup_fut, METH_VARARGS,
     "setup_fut(_kind_of, _C_IO_LOOPS, TimerHandle, _via_of, _brepr, _next_id, _ctasks, _task_id, _lib_fallback, "
     "_loop_info, _CFuture, Future, _fut_made): Future's __init__ records in C; for fut_set() too"},
#if PY_VERSION_HEX >= 0x030E0000
    {"setup_np", mod_setup_np, METH_VARARGS,
     "setup_np(treg, cb_start, cb_done, step_end, Future, Task, decide, deep_site, aid, adopt, C, dk_by_code) -> the _TS type: 3.14+, no proxy"},
    {"register", (PyCFunction)(void (*)(void))mod_register, METH_FASTCALL,
     "register(task, _TS): _rec._register in C (3.14+)"},
    {"begin", mod_begin, METH_O, "begin(handle) -> token or None: before a callback (3.14+)"},
    {"done", mod_done, METH_O, "done(token): after it (3.14+)"},
    {"running", mod_running, METH_NOARGS, "running() -> the _TS of the innermost step timed on this thread, or None (3.14+)"},
    {"current", mod_current, METH_O, "current(thread ident) -> start of the step running there, or 0 (3.14+)"},
#endif
    {"resolve", mod_resolve, METH_VARARGS, "resolve(steps, base, site_fn, folds, kinds[, ends]) -> resolved steps"},
    {"merge", mod_merge, METH_VARARGS, "merge(resolved, kinds, timed, prev, thr, block_fn) -> (text, prev)"},
    {NULL}
};

static struct PyModuleDef moddef = {
    PyModuleDef_HEAD_INIT, "async_lanes._speedups", NULL, -1, mod_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&ProxyType) < 0)
        return NULL;
    s_throw = PyUnicode_InternFromString("throw");
    s_send = PyUnicode_InternFromString("send");
    s_cr_code = PyUnicode_InternFromString("cr_code");
    s_cr_frame = PyUnicode_InternFromString("cr_frame");
    s_await = PyUnicode_InternFromString("__await__");
    s_close = PyUnicode_InternFromString("close");
    s_f_lasti = PyUnicode_InternFromString("f_lasti");
    s_al_id = PyUnicode_InternFromString("_al_id");
    s_end = PyUnicode_InternFromString("end");
    s_ok = PyUnicode_InternFromString("ok");
    s_name = PyUnicode_InternFromString("name");
    s_get_name = PyUnicode_InternFromString("get_name");
    s_None = PyUnicode_InternFromString("None");
    s_cb = PyUnicode_InternFromString("cb");
    s_callback = PyUnicode_InternFromString("_callback");
    s_qualname = PyUnicode_InternFromString("__qualname__");
    s_cr_await = PyUnicode_InternFromString("cr_await");
    s_gi_frame = PyUnicode_InternFromString("gi_frame");
    s_gi_yieldfrom = PyUnicode_InternFromString("gi_yieldfrom");
    if (!s_cr_await || !s_gi_frame || !s_gi_yieldfrom)
        return NULL;
    s_coro = PyUnicode_InternFromString("_coro");
    s_task = PyUnicode_InternFromString("task");
    s_cr_suspended = PyUnicode_InternFromString("cr_suspended");
    s_done = PyUnicode_InternFromString("done");
    s_source_tb = PyUnicode_InternFromString("_source_traceback");
    if (!s_coro || !s_task || !s_cr_suspended || !s_done || !s_source_tb)
        return NULL;
    g_minus1 = PyLong_FromLong(-1);
    if (!s_throw || !s_send || !s_cr_code || !s_cr_frame || !s_await || !s_close || !s_f_lasti || !s_al_id
        || !s_end || !s_ok || !s_name || !s_get_name || !s_None || !g_minus1 || !s_cb || !s_callback || !s_qualname)
        return NULL;
    s_fut = PyUnicode_InternFromString("fut");
    s_future = PyUnicode_InternFromString("future");
    s_set = PyUnicode_InternFromString("set");
    s_result_state = PyUnicode_InternFromString("result");
    s_task_via = PyUnicode_InternFromString("task");
    s_thread = PyUnicode_InternFromString("thread");
    s_shutdown = PyUnicode_InternFromString("shutdown");
    s_io = PyUnicode_InternFromString("io");
    s_callback_via = PyUnicode_InternFromString("callback");
    s_timer = PyUnicode_InternFromString("timer");
    s_is_running = PyUnicode_InternFromString("is_running");
    s_loop = PyUnicode_InternFromString("_loop");
    if (!s_coro || !s_source_tb || !s_fut || !s_future || !s_set || !s_result_state || !s_task_via || !s_thread
        || !s_shutdown || !s_io || !s_callback_via || !s_timer || !s_is_running || !s_loop)
        return NULL;
#if PY_VERSION_HEX >= 0x030E0000
    s_self = PyUnicode_InternFromString("__self__");
    s_fut_waiter = PyUnicode_InternFromString("_fut_waiter");
    s_state = PyUnicode_InternFromString("_state");
    s_exception = PyUnicode_InternFromString("_exception");
    s_result = PyUnicode_InternFromString("_result");
    if (!s_self || !s_fut_waiter || !s_state || !s_exception || !s_result)
        return NULL;
#endif
    return PyModule_Create(&moddef);
}
