package password

import (
	"errors"
	"strings"
	"testing"
)

var fast = Params{Time: 1, Memory: 1024, Threads: 1}

func TestHashVerify(t *testing.T) {
	h, err := Hash("kata sandi panjang", fast, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q", h)
	}
	if err := Verify("kata sandi panjang", h); err != nil {
		t.Fatal(err)
	}
	if err := Verify("kata sandi panjanG", h); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong password: %v", err)
	}
	h2, _ := Hash("kata sandi panjang", fast, nil)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	// NFC: é typed precomposed or decomposed is the same password.
	he, _ := Hash("caf\u00e9-sandi-123", fast, nil)
	if err := Verify("cafe\u0301-sandi-123", he); err != nil {
		t.Fatalf("decomposed accent: %v", err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=1024,t=1,p=1$!!$aGFzaA"} {
		if err := Verify("x", h); !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) = %v, want ErrMalformed", h, err)
		}
	}
}

func TestCheck(t *testing.T) {
	if Check("pendek") == nil || Check("cukup-panjang-1") != nil {
		t.Fatal("length rule")
	}
}

func FuzzVerify(f *testing.F) {
	h, _ := Hash("kata sandi panjang", fast, nil)
	f.Add("kata sandi panjang", h)
	f.Add("x", "$argon2id$v=19$m=1024,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, pw, enc string) {
		if strings.Contains(enc, "m=") && !strings.Contains(enc, "m=1024,") {
			t.Skip() // bound the cost a fuzzed hash may ask for
		}
		Verify(pw, enc)
	})
}
