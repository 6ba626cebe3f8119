package syncproto_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/jemputbola/jemput/internal/hlc"
	"github.com/jemputbola/jemput/syncproto"
)

func Example() {
	device, _ := syncproto.NewIdentity(rand.Reader)
	hub, _ := syncproto.NewIdentity(rand.Reader)

	// The device seals its outbox to the hub's public key.
	ops := []syncproto.Op{{OpID: uuid.NewString(), DeviceID: "laptop-7", Seq: 1,
		HLC: hlc.New(time.Now().UnixMilli(), 0), RecordID: uuid.NewString(),
		Kind: "birth", Action: syncproto.ActionCreate, Fields: map[string]string{"child_name": "Lusia Hulau"}}}
	h := syncproto.Header{ID: uuid.NewString(), Sender: "laptop-7", Epoch: "5eed", CreatedAt: time.Now()}
	h.Cover(ops)
	var bundle bytes.Buffer
	sealed, err := syncproto.Seal(&bundle, h, ops, device, hub.Public(), rand.Reader)
	if err != nil {
		panic(err)
	}

	// The hub routes by the clear header, then opens with its key,
	// trusting the device's enrolled signing key.
	peek, _ := syncproto.PeekHeader(bytes.NewReader(bundle.Bytes()))
	fmt.Println("from", peek.Sender, "ops", peek.Count, "for me:", peek.RecipientKey == hub.Public().BoxFingerprint())
	enrolled := func(h syncproto.Header) (ed25519.PublicKey, error) {
		if h.Sender != "laptop-7" {
			return nil, fmt.Errorf("not enrolled")
		}
		return device.Public().Sign, nil
	}
	got, opened, err := syncproto.Open(&bundle, hub, enrolled)
	fmt.Println(err, len(opened), opened[0].Fields["child_name"], got.Prev == [32]byte{}, sealed.Sum != [32]byte{})
	// Output:
	// from laptop-7 ops 1 for me: true
	// <nil> 1 Lusia Hulau true true
}
