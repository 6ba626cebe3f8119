package tracking_test

import (
	"errors"
	"fmt"

	"github.com/jemputbola/jemput/internal/tracking"
)

func ExampleParse() {
	// As a resident might type it: lower case, spaces.
	c, err := tracking.Parse("7kq4 mrs9 xhaf")
	fmt.Println(string(c), c, err)

	_, err = tracking.Parse("7KQ4-MRS9-XHAE")
	fmt.Println(errors.Is(err, tracking.ErrCheck), err)

	_, err = tracking.Parse("7KQ4-MRU9-XHAF")
	fmt.Println(errors.Is(err, tracking.ErrCharacter), err)
	// Output:
	// 7KQ4MRS9XHAF 7KQ4-MRS9-XHAF <nil>
	// true tracking code: check character does not match: probably a typo
	// true tracking code: character 'U' at position 7: not a character used in tracking codes
}
